//! What a generated client knows about each operation's security, as static
//! data the runtime reads at call time.

/// One operation's security requirements, as the document declares them.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// The operation's id in the document (`operationId`, or method and path).
    pub id: &'static str,
    /// The requirement alternatives, in document order. The client uses the
    /// first one for which every scheme has credentials configured. Each
    /// alternative is a conjunction of schemes.
    pub alternatives: &'static [&'static [SchemeUse]],
    /// Whether the call may be made without credentials (an empty
    /// requirement `{}` in the document, or no security at all).
    pub anonymous: bool,
}

/// A scheme required by an operation, with the scopes it asks for.
#[derive(Debug, Clone, Copy)]
pub struct SchemeUse {
    /// The scheme's name in `components.securitySchemes`.
    pub scheme: &'static str,
    /// The scopes the operation needs from this scheme (OAuth2 and OpenID
    /// Connect; roles for other schemes, which are not sent).
    pub scopes: &'static [&'static str],
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// A request header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
}
