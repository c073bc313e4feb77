//! Path templates a stranger could write (`fixtures/hostile-paths.yaml`):
//! literal braces, variables no parameter declares, names that are Rust
//! keywords. The client (compiled with every warning denied in the
//! `integration-tests` crate) puts each argument where its variable stands
//! and sends no `{placeholder}` as written.

use integration_tests::hostile_paths::Client;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn path_sent(call: impl std::future::Future<Output = ()>, server: &MockServer) -> String {
    call.await;
    let requests = server.received_requests().await.expect("recording is on");
    let url = &requests.last().expect("one request").url;
    // Braces are percent-encoded in a URL's path.
    url.path().replace("%7B", "{").replace("%7D", "}")
}

#[tokio::test]
async fn every_variable_is_filled_and_literal_braces_stay_literal() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = Client::builder().base_url(server.uri()).build().unwrap();

    let sent = path_sent(
        async {
            client.braces("1", "2", "3", "4").send().await.unwrap();
        },
        &server,
    )
    .await;
    // `/a/{id}/b{{c}}/{self}/x}{/{0}`: `{{c}` and `{/{0}` are variables no
    // parameter declares, taken as arguments; the braces left over are
    // text.
    assert_eq!(sent, "/a/1/b2}/3/x}4");

    let sent = path_sent(
        async {
            client.keywords("t", 7, true).send().await.unwrap();
        },
        &server,
    )
    .await;
    assert_eq!(sent, "/t/7/true");
}
