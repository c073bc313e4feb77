//! What the end-to-end tests share (`tests/mock_servers/` against
//! in-process servers, `tests/real_servers/` against real ones): the
//! in-process token endpoint and API ([`mock`]), the real servers and
//! what they record ([`servers`]), the user's part of interactive flows
//! ([`browser`]), and credentials encoded by hand ([`encoding`]).

pub mod browser;
pub mod encoding;
pub mod mock;
pub mod servers;
