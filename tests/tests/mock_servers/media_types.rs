//! Responses offered in several media types (`fixtures/media-types.yaml`):
//! `send` asks for the JSON it decodes, whatever the document lists first,
//! and `send_accepting` asks for another and hands the response over.

use integration_tests::media_types::{builders::GetReportMediaType, Client};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/reports/r1"))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "r1", "total": 3})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/reports/r1"))
        .and(header("accept", "text/csv"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("id,total\nr1,3\n", "text/csv"))
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder().base_url(server.uri()).build().unwrap()
}

#[tokio::test]
async fn send_asks_for_the_json_it_decodes() {
    let server = server().await;
    let report = client(&server).get_report("r1").send().await.unwrap();
    assert_eq!((report.id.as_str(), report.total), ("r1", 3));
    let received = server.received_requests().await.unwrap();
    let accept: Vec<_> = received[0].headers.get_all("accept").iter().collect();
    assert_eq!(accept, ["application/json"]);
}

#[tokio::test]
async fn send_accepting_asks_for_another_media_type() {
    let server = server().await;
    let response = client(&server)
        .get_report("r1")
        .send_accepting(GetReportMediaType::TextCsv)
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "text/csv");
    assert_eq!(response.text().await.unwrap(), "id,total\nr1,3\n");
    assert_eq!(
        GetReportMediaType::ApplicationPdf.as_str(),
        "application/pdf"
    );
}
