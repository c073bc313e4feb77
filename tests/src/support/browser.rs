//! The user's part of the authorization code and device flows, played at
//! oidc-provider's development interactions over plain HTTP by
//! [`Browser`].

use std::collections::HashMap;

use url::Url;

/// Where [`Browser::click_through`] ended.
#[derive(Debug)]
pub enum Arrival {
    /// A redirect to the URL it was told to stop at (the client's
    /// redirect_uri), not followed.
    Redirected(Url),
    /// A page without a form.
    Page { url: Url, body: String },
}

/// A browser without JavaScript: it follows redirects by hand, keeps
/// cookies, and submits the first form of each page, signing in as `alice`
/// where a page asks for a login, as a user clicking "Continue" would.
pub struct Browser {
    http: runtime::reqwest::Client,
    cookies: Vec<(String, String)>,
    visited: Vec<String>,
}

impl Browser {
    /// A browser with no cookies.
    pub fn new() -> Self {
        let http = runtime::reqwest::Client::builder()
            .redirect(runtime::reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser {
            http,
            cookies: Vec::new(),
            visited: Vec::new(),
        }
    }

    /// Keeps the cookie `set_cookie` sets, or forgets the one it clears.
    fn keep_cookie(&mut self, set_cookie: &str) {
        let pair = set_cookie.split(';').next().unwrap_or_default();
        let Some((name, value)) = pair.split_once('=') else {
            return;
        };
        let cleared = set_cookie
            .to_ascii_lowercase()
            .contains("expires=thu, 01 jan 1970");
        self.cookies.retain(|(kept, _)| kept != name);
        if !value.is_empty() && !cleared {
            self.cookies.push((name.to_owned(), value.to_owned()));
        }
    }

    /// Opens `start` and clicks through until a redirect to a URL starting
    /// with `until`, or a page without a form.
    pub async fn click_through(&mut self, start: &str, until: &str) -> Arrival {
        let mut url = Url::parse(start).unwrap();
        let mut form: Option<Vec<(String, String)>> = None;
        for _ in 0..20 {
            self.visited.push(format!(
                "{} {url}",
                if form.is_some() { "POST" } else { "GET" }
            ));
            let mut request = match form.take() {
                Some(fields) => self.http.post(url.clone()).form(&fields),
                None => self.http.get(url.clone()),
            };
            if !self.cookies.is_empty() {
                let cookies: Vec<String> = self
                    .cookies
                    .iter()
                    .map(|(name, value)| format!("{name}={value}"))
                    .collect();
                request = request.header("cookie", cookies.join("; "));
            }
            let response = request.send().await.unwrap();
            for value in response.headers().get_all("set-cookie") {
                self.keep_cookie(value.to_str().unwrap());
            }
            let status = response.status();
            if status.is_redirection() {
                let location = response.headers()["location"].to_str().unwrap();
                let target = url.join(location).unwrap();
                if target.as_str().starts_with(until) {
                    return Arrival::Redirected(target);
                }
                url = target;
                continue;
            }
            let body = response.text().await.unwrap();
            assert!(
                status.is_success(),
                "{status} at {url} after {:?}: {body}",
                self.visited
            );
            let Some((action, mut fields)) = first_form(&body) else {
                return Arrival::Page { url, body };
            };
            for (name, value) in &mut fields {
                match name.as_str() {
                    "login" => *value = "alice".to_owned(),
                    "password" => *value = "any password will do".to_owned(),
                    _ => {}
                }
            }
            url = url.join(&action).unwrap();
            form = Some(fields);
        }
        panic!("still clicking after 20 pages: {:?}", self.visited);
    }
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

/// The action and the named inputs of an HTML page's first form.
fn first_form(html: &str) -> Option<(String, Vec<(String, String)>)> {
    let start = html.find("<form")?;
    let end = html[start..]
        .find("</form>")
        .map_or(html.len(), |e| start + e);
    let form = &html[start..end];
    let tag = &form[..form.find('>')?];
    let action = attribute(tag, "action").unwrap_or_default();
    let fields = form
        .match_indices("<input")
        .filter_map(|(at, _)| {
            let input = &form[at..];
            let input = &input[..input.find('>').unwrap_or(input.len())];
            let name = attribute(input, "name")?;
            Some((name, attribute(input, "value").unwrap_or_default()))
        })
        .collect();
    Some((action, fields))
}

/// The value of the attribute `name` of an HTML tag, unescaped.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag
        .match_indices(&format!("{name}=\""))
        .find(|(at, _)| tag[..*at].ends_with(char::is_whitespace))
        .map(|(at, _)| at + name.len() + 2)?;
    let end = start + tag[start..].find('"')?;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Plays alice at oidc-provider for the authorization request at `url`:
/// signs in, consents, and returns the query of the redirect to
/// `redirect_uri` (`code`, `state`, `iss`).
pub async fn authorize_as_alice(url: &str, redirect_uri: &str) -> HashMap<String, String> {
    match Browser::new().click_through(url, redirect_uri).await {
        Arrival::Redirected(to) => to.query_pairs().into_owned().collect(),
        Arrival::Page { url, body } => {
            panic!("no redirect to {redirect_uri}; the last page, {url}: {body}")
        }
    }
}
