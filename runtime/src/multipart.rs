//! `multipart/form-data` request bodies (RFC 7578), built in memory so that
//! a request can be replayed after a 401 like any other.

use std::fmt;

use reqwest::header::CONTENT_TYPE;
use reqwest::RequestBuilder;
use serde::Serialize;
use serde_json::Value;

/// A file sent as a part of a `multipart/form-data` body: its bytes, and
/// optionally a file name and a content type (`application/octet-stream`
/// unless set).
#[derive(Clone, PartialEq, Eq)]
pub struct FilePart {
    bytes: Vec<u8>,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl FilePart {
    /// A file of these bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        FilePart {
            bytes: bytes.into(),
            file_name: None,
            content_type: None,
        }
    }

    /// The file name the server sees (`filename` in the part's
    /// `Content-Disposition`).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// The part's content type, such as `image/png`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilePart")
            .field("len", &self.bytes.len())
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

impl From<Vec<u8>> for FilePart {
    fn from(bytes: Vec<u8>) -> Self {
        FilePart::new(bytes)
    }
}

impl From<&[u8]> for FilePart {
    fn from(bytes: &[u8]) -> Self {
        FilePart::new(bytes)
    }
}

impl<const N: usize> From<&[u8; N]> for FilePart {
    fn from(bytes: &[u8; N]) -> Self {
        FilePart::new(bytes.as_slice())
    }
}

/// A `multipart/form-data` body being written. Generated code adds the
/// parts an operation documents, then [`finish`](Self::finish)es it.
#[derive(Debug)]
pub struct Multipart {
    boundary: String,
    body: Vec<u8>,
}

impl Default for Multipart {
    fn default() -> Self {
        Self::new()
    }
}

/// A name or file name inside a quoted `Content-Disposition` parameter, as
/// the HTML standard encodes form data: `"`, CR and LF percent-encoded.
fn quoted(text: &str) -> String {
    text.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

impl Multipart {
    /// An empty body with a random boundary.
    pub fn new() -> Self {
        use ring::rand::SecureRandom;
        let mut random = [0u8; 16];
        let boundary = match ring::rand::SystemRandom::new().fill(&mut random) {
            Ok(()) => random.iter().map(|b| format!("{b:02x}")).collect(),
            // Without randomness, a boundary still unlikely in any part.
            Err(_) => format!("{:x}", std::process::id()),
        };
        Multipart {
            boundary: format!("----runtime-boundary-{boundary}"),
            body: Vec::new(),
        }
    }

    fn part(
        &mut self,
        name: &str,
        file_name: Option<&str>,
        content_type: Option<&str>,
        data: &[u8],
    ) {
        self.body.extend_from_slice(b"--");
        self.body.extend_from_slice(self.boundary.as_bytes());
        self.body
            .extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
        self.body.extend_from_slice(quoted(name).as_bytes());
        self.body.push(b'"');
        if let Some(file_name) = file_name {
            self.body.extend_from_slice(b"; filename=\"");
            self.body.extend_from_slice(quoted(file_name).as_bytes());
            self.body.push(b'"');
        }
        if let Some(content_type) = content_type {
            self.body.extend_from_slice(b"\r\nContent-Type: ");
            self.body.extend_from_slice(content_type.as_bytes());
        }
        self.body.extend_from_slice(b"\r\n\r\n");
        self.body.extend_from_slice(data);
        self.body.extend_from_slice(b"\r\n");
    }

    /// Adds a value: a string, number or boolean as text, anything else as
    /// JSON (`application/json`), unless `content_type` (the document's
    /// `encoding`) says otherwise. `None` values are left out.
    pub fn value<T: Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
        content_type: Option<&str>,
    ) {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        let (text, default_type) = match value {
            Value::Null => return,
            Value::String(s) => (s, None),
            Value::Bool(b) => (b.to_string(), None),
            Value::Number(n) => (n.to_string(), None),
            other => (other.to_string(), Some("application/json")),
        };
        self.part(name, None, content_type.or(default_type), text.as_bytes());
    }

    /// Adds a file.
    pub fn file(&mut self, name: &str, file: &FilePart, content_type: Option<&str>) {
        let content_type = file
            .content_type
            .as_deref()
            .or(content_type)
            .unwrap_or("application/octet-stream");
        // A file part has a file name, as servers tell files from fields by it.
        let file_name = file.file_name.as_deref().unwrap_or(name);
        self.part(name, Some(file_name), Some(content_type), &file.bytes);
    }

    /// Adds a part per member of `value` serialised as a JSON object (any
    /// other value becomes one part named `body`): for bodies the document
    /// accepts as JSON or as multipart with the same schema.
    pub fn members<T: Serialize + ?Sized>(&mut self, value: &T) {
        match serde_json::to_value(value).unwrap_or(Value::Null) {
            Value::Object(members) => {
                for (name, value) in &members {
                    self.value(name, value, None);
                }
            }
            other => self.value("body", &other, None),
        }
    }

    /// Ends the body and sets it, with its content type, on the request.
    pub fn finish(mut self, request: RequestBuilder) -> RequestBuilder {
        self.body.extend_from_slice(b"--");
        self.body.extend_from_slice(self.boundary.as_bytes());
        self.body.extend_from_slice(b"--\r\n");
        request
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={}", self.boundary),
            )
            .body(self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_written_as_rfc_7578_says() {
        let mut form = Multipart::new();
        let boundary = form.boundary.clone();
        form.value("name", "Kit \"the cat\"", None);
        form.value("age", &3, None);
        form.value("tags", &["a", "b"], None);
        form.value("absent", &None::<String>, None);
        form.value(
            "meta",
            &serde_json::json!({ "x": 1 }),
            Some("application/vnd.x+json"),
        );
        form.file(
            "photo",
            &FilePart::new(b"\x89PNG".to_vec())
                .file_name("kit.png")
                .content_type("image/png"),
            None,
        );
        form.file("raw", &FilePart::from(b"bytes"), Some("application/pdf"));
        let request = form
            .finish(reqwest::Client::new().post("http://h/p"))
            .build()
            .unwrap();
        assert_eq!(
            request.headers()["content-type"],
            format!("multipart/form-data; boundary={boundary}").as_str()
        );
        let body = request.body().unwrap().as_bytes().unwrap();
        let expected = [
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nKit \"the cat\"\r\n"),
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"age\"\r\n\r\n3\r\n"),
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"tags\"\r\nContent-Type: application/json\r\n\r\n[\"a\",\"b\"]\r\n"),
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/vnd.x+json\r\n\r\n{{\"x\":1}}\r\n"),
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"kit.png\"\r\nContent-Type: image/png\r\n\r\n"),
        ]
        .concat();
        assert!(
            body.starts_with(expected.as_bytes()),
            "{}",
            String::from_utf8_lossy(body)
        );
        let rest = &body[expected.len()..];
        assert!(rest.starts_with(b"\x89PNG\r\n"));
        let rest = &rest[6..];
        assert_eq!(
            String::from_utf8_lossy(rest),
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"raw\"; filename=\"raw\"\r\nContent-Type: application/pdf\r\n\r\nbytes\r\n--{boundary}--\r\n")
        );
    }

    #[test]
    fn names_cannot_break_out_of_their_quotes() {
        let mut form = Multipart::new();
        form.value("a\"\r\nX-Injected: 1", "v", None);
        form.file("f", &FilePart::new(Vec::new()).file_name("x\".png"), None);
        let body = String::from_utf8(form.body).unwrap();
        assert!(body.contains("name=\"a%22%0D%0AX-Injected: 1\""), "{body}");
        assert!(body.contains("filename=\"x%22.png\""), "{body}");
        assert_ne!(Multipart::new().boundary, Multipart::new().boundary);
    }
}
