//! The API Gateway HTTP API (payload 2.0) event: what Lambda hands a function for one
//! request. The local server builds one for every request it serves, and the tests one
//! for every case, so both reach the handlers exactly as API Gateway would.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use lambda_http::Request;
use serde_json::{Map, Value, json};

/// An event, built up field by field. Everything not set has a plausible default.
#[derive(Clone, Debug)]
pub struct GatewayEvent {
    method: String,
    route_key: String,
    path: String,
    path_parameters: Map<String, Value>,
    raw_query: String,
    headers: Map<String, Value>,
    cookies: Vec<String>,
    body: Option<(String, bool)>,
    request_id: String,
    source_ip: String,
    time_epoch_ms: u64,
}

impl GatewayEvent {
    /// An event for `method route` (e.g. `GET /records/{id}`), its path the template
    /// itself until [`Self::param`] or [`Self::path`] fills it in.
    pub fn new(method: &str, route: &str) -> Self {
        Self {
            method: method.to_owned(),
            route_key: format!("{method} {route}"),
            path: route.to_owned(),
            path_parameters: Map::new(),
            raw_query: String::new(),
            headers: Map::new(),
            cookies: Vec::new(),
            body: None,
            request_id: super::new_request_id(),
            source_ip: "127.0.0.1".to_owned(),
            time_epoch_ms: 0,
        }
    }

    /// Sets a path parameter, and puts it in the path in place of `{name}`.
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.path = self.path.replace(&format!("{{{name}}}"), value);
        self.path_parameters.insert(name.to_owned(), json!(value));
        self
    }

    /// Sets the path as it was requested.
    pub fn path(mut self, path: &str) -> Self {
        self.path = path.to_owned();
        self
    }

    /// Sets the raw query string (without `?`).
    pub fn query(mut self, query: &str) -> Self {
        self.raw_query = query.to_owned();
        self
    }

    /// Adds a header. Names are lower-cased and repeated headers joined with commas, as
    /// API Gateway sends them; cookies go to their own list, as API Gateway puts them.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = name.to_ascii_lowercase();
        if name == "cookie" {
            self.cookies.extend(value.split("; ").map(str::to_owned));
            return self;
        }
        match self.headers.get_mut(&name) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(value);
            }
            _ => {
                self.headers.insert(name, json!(value));
            }
        }
        self
    }

    /// Sets `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(self, body: &Value) -> Self {
        self.header("content-type", "application/json")
            .text(&body.to_string())
    }

    /// A text body as sent (set the content type yourself).
    pub fn text(mut self, body: &str) -> Self {
        self.body = Some((body.to_owned(), false));
        self
    }

    /// Raw bytes, base64-encoded as API Gateway does for binary bodies.
    pub fn bytes(mut self, body: &[u8]) -> Self {
        self.body = Some((BASE64.encode(body), true));
        self
    }

    /// A body as received: as text if it is UTF-8, else base64, as API Gateway does.
    /// Empty means none.
    pub fn body(self, body: &[u8]) -> Self {
        match std::str::from_utf8(body) {
            _ if body.is_empty() => self,
            Ok(text) => self.text(text),
            Err(_) => self.bytes(body),
        }
    }

    /// Sets API Gateway's request id.
    pub fn request_id(mut self, id: &str) -> Self {
        self.request_id = id.to_owned();
        self
    }

    /// Sets the caller's address.
    pub fn source_ip(mut self, ip: &str) -> Self {
        self.source_ip = ip.to_owned();
        self
    }

    /// Sets when the request arrived, in milliseconds since the epoch.
    pub fn at(mut self, epoch_ms: u64) -> Self {
        self.time_epoch_ms = epoch_ms;
        self
    }

    /// The event as API Gateway sends it to Lambda.
    pub fn to_json(&self) -> Value {
        let mut query = Map::new();
        // Repeated parameters are joined with commas, as API Gateway does.
        for (name, value) in form_urlencoded::parse(self.raw_query.as_bytes()) {
            match query.get_mut(name.as_ref()) {
                Some(Value::String(existing)) => {
                    existing.push(',');
                    existing.push_str(&value);
                }
                _ => {
                    query.insert(name.into_owned(), json!(value));
                }
            }
        }
        let user_agent = self.headers.get("user-agent").cloned().unwrap_or_default();
        let mut event = json!({
            "version": "2.0",
            "routeKey": self.route_key,
            "rawPath": self.path,
            "rawQueryString": self.raw_query,
            "headers": self.headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "dossier",
                "domainName": "dossier.execute-api.us-east-1.amazonaws.com",
                "domainPrefix": "dossier",
                "http": {"method": self.method, "path": self.path, "protocol": "HTTP/1.1",
                         "sourceIp": self.source_ip, "userAgent": user_agent},
                "requestId": self.request_id,
                "routeKey": self.route_key,
                "stage": "$default",
                "timeEpoch": self.time_epoch_ms,
            },
            "isBase64Encoded": false,
        });
        if !self.cookies.is_empty() {
            event["cookies"] = json!(self.cookies);
        }
        if !self.path_parameters.is_empty() {
            event["pathParameters"] = json!(self.path_parameters);
        }
        if !query.is_empty() {
            event["queryStringParameters"] = json!(query);
        }
        if let Some((body, encoded)) = &self.body {
            event["body"] = json!(body);
            event["isBase64Encoded"] = json!(encoded);
        }
        event
    }

    /// The event as the `lambda_http` request a function receives, parsed as in Lambda.
    pub fn to_request(&self) -> Result<Request, serde_json::Error> {
        lambda_http::request::from_str(&self.to_json().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_and_headers_are_folded_like_api_gateway() {
        let event = GatewayEvent::new("GET", "/records")
            .query("a=1&b=x%20y+z&c&d=%zz&a=2")
            .header("X-Thing", "1")
            .header("x-thing", "2")
            .header("Cookie", "a=1; b=2")
            .to_json();
        assert_eq!(
            event["queryStringParameters"],
            json!({"a": "1,2", "b": "x y z", "c": "", "d": "%zz"})
        );
        assert_eq!(event["headers"], json!({"x-thing": "1,2"}));
        assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
    }

    #[test]
    fn bodies_are_text_or_base64_as_received() {
        let text = GatewayEvent::new("POST", "/records").body(b"{}").to_json();
        assert_eq!(
            (text["body"].clone(), text["isBase64Encoded"].clone()),
            (json!("{}"), json!(false))
        );
        let binary = GatewayEvent::new("POST", "/records")
            .body(&[0xff, 0xfe])
            .to_json();
        assert_eq!(
            (binary["body"].clone(), binary["isBase64Encoded"].clone()),
            (json!("//4="), json!(true))
        );
        assert!(
            GatewayEvent::new("GET", "/records")
                .body(b"")
                .to_json()
                .get("body")
                .is_none()
        );
        let request = GatewayEvent::new("GET", "/records/{id}")
            .param("id", "01A")
            .to_request()
            .unwrap();
        assert_eq!(request.uri().path(), "/records/01A");
    }
}
