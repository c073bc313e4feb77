//! [`Call`], the future every generated `send`, `send_raw`,
//! `send_with_headers` and `send_accepting` returns.
//!
//! One named type instead of a future each generated method defines
//! (`async fn`, or `impl Future` over a closure): the compiler checks no
//! future, closure or opaque type per operation, and callers can name what
//! they hold. How the success response is decoded is a type parameter
//! ([`Decode`]), so that the decoding of an operation's body (its
//! `Deserialize` impl, mostly) is compiled only where the call is awaited,
//! as it would be for an `impl Future`: a boxed future made up front would
//! compile every operation's decoding into the generated crate, called or
//! not.

use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use reqwest::Response;

use crate::codegen::{decode_json, ErrorBodies};
use crate::error::Error;
use crate::response::{FromHeaders, Response as WithHeaders};
use crate::security::Operation;

/// A future that can be sent to another thread.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What [`Decode::decode`] returns: the future of a decoded success body.
pub type Decoding<'a, T, E> = BoxFuture<'a, Result<T, Error<E>>>;

/// A call to an operation: a future of the success value `T`, or an
/// [`Error<E>`](Error) whose documented error bodies are of type `E`.
/// `D` is how the success response becomes `T` (see [`Decode`]).
///
/// It is `Send` and `Unpin`; await it, spawn it, or keep it in a struct:
///
/// ```no_run
/// # type Pet = String;
/// # type Problem = String;
/// /// A call started now and awaited later: `client.list_pets().send()`
/// /// of a generated client whose error bodies are `Problem`s.
/// struct Pending<'a> {
///     pets: runtime::Call<'a, Vec<Pet>, Problem>,
/// }
///
/// async fn finish(pending: Pending<'_>) -> Result<Vec<Pet>, runtime::Error<Problem>> {
///     pending.pets.await
/// }
/// ```
#[must_use = "a call does nothing until it is awaited"]
pub struct Call<'a, T, E = Infallible, D = Json> {
    operation: &'static Operation,
    state: State<'a, T, E>,
    decode: PhantomData<fn() -> D>,
}

enum State<'a, T, E> {
    /// The request is on its way (credentials, retries, renewal).
    Sending {
        response: BoxFuture<'a, Result<Response, Error>>,
        errors: ErrorBodies<E>,
    },
    /// The success response is being read.
    Decoding(BoxFuture<'a, Result<T, Error<E>>>),
    /// The value was returned.
    Done,
}

impl<'a, E> Call<'a, Response, E, AsIs> {
    /// The call sending `response`'s request, whose error responses
    /// `errors` decodes (see [`send_request`](crate::codegen::send_request)).
    pub(crate) fn new(
        operation: &'static Operation,
        response: BoxFuture<'a, Result<Response, Error>>,
        errors: ErrorBodies<E>,
    ) -> Self {
        Call {
            operation,
            state: State::Sending { response, errors },
            decode: PhantomData,
        }
    }

    /// The same call, decoding its success response with `D` into `T`: a
    /// generated `send` is `self.send_raw().__decoded()`.
    #[doc(hidden)]
    pub fn __decoded<T, D>(self) -> Call<'a, T, E, D> {
        let state = match self.state {
            State::Sending { response, errors } => State::Sending { response, errors },
            // `send_raw` returns calls yet to be polled.
            State::Decoding(_) | State::Done => State::Done,
        };
        Call {
            operation: self.operation,
            state,
            decode: PhantomData,
        }
    }
}

impl<'a, T, E, D: Decode<'a, T, E>> Future for Call<'a, T, E, D> {
    type Output = Result<T, Error<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Sending { response, errors } => {
                    let errors = *errors;
                    match ready!(response.as_mut().poll(cx)) {
                        Ok(response) => {
                            this.state = State::Decoding(D::decode(this.operation, response));
                        }
                        Err(error) => {
                            this.state = State::Done;
                            let error =
                                error.decode_body(|status, body| errors.decode(status, body));
                            return Poll::Ready(Err(error));
                        }
                    }
                }
                State::Decoding(decoding) => {
                    let value = ready!(decoding.as_mut().poll(cx));
                    this.state = State::Done;
                    return Poll::Ready(value);
                }
                State::Done => panic!("a `Call` polled after it returned"),
            }
        }
    }
}

impl<T, E, D> std::fmt::Debug for Call<'_, T, E, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::Sending { .. } => "sending",
            State::Decoding(_) => "decoding",
            State::Done => "done",
        };
        f.debug_struct("Call")
            .field("operation", &self.operation.id)
            .field("state", &state)
            .finish()
    }
}

/// How a [`Call`] turns a success response into its value. Implemented by
/// the runtime's [`Json`], [`Empty`], [`AsIs`] and [`Headers`], and by the
/// generated enums of operations with several success bodies.
pub trait Decode<'a, T, E> {
    /// Reads `response`, the success response of `operation`.
    fn decode(operation: &'static Operation, response: Response) -> Decoding<'a, T, E>;
}

/// The body read as JSON of type `T`, at most
/// [`ClientBuilder::max_response_body`](crate::ClientBuilder::max_response_body)
/// bytes of it.
#[derive(Debug)]
pub enum Json {}

/// No body worth reading: the value is `()`.
#[derive(Debug)]
pub enum Empty {}

/// The response itself, body unread.
#[derive(Debug)]
pub enum AsIs {}

/// The body decoded by `D`, with the response's status and headers.
#[derive(Debug)]
pub struct Headers<D>(PhantomData<fn() -> D>, Infallible);

impl<'a, T, E> Decode<'a, T, E> for Json
where
    T: serde::de::DeserializeOwned + Send + 'a,
    E: Send + 'a,
{
    fn decode(
        operation: &'static Operation,
        response: Response,
    ) -> BoxFuture<'a, Result<T, Error<E>>> {
        Box::pin(decode_json(operation, response))
    }
}

impl<'a, E: Send + 'a> Decode<'a, (), E> for Empty {
    fn decode(_: &'static Operation, response: Response) -> BoxFuture<'a, Result<(), Error<E>>> {
        drop(response);
        Box::pin(std::future::ready(Ok(())))
    }
}

impl<'a, E: Send + 'a> Decode<'a, Response, E> for AsIs {
    fn decode(
        _: &'static Operation,
        response: Response,
    ) -> BoxFuture<'a, Result<Response, Error<E>>> {
        Box::pin(std::future::ready(Ok(response)))
    }
}

impl<'a, T, H, E, D> Decode<'a, WithHeaders<T, H>, E> for Headers<D>
where
    D: Decode<'a, T, E>,
    T: Send + 'a,
    H: FromHeaders + Send + 'a,
    E: Send + 'a,
{
    fn decode(
        operation: &'static Operation,
        response: Response,
    ) -> BoxFuture<'a, Result<WithHeaders<T, H>, Error<E>>> {
        let (status, headers) = (response.status(), response.headers().clone());
        let body = D::decode(operation, response);
        Box::pin(async move { Ok(WithHeaders::new(status, headers, body.await?)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the README promises of every generated call's future.
    #[test]
    fn calls_are_send_and_unpin_whatever_they_decode() {
        fn send_and_unpin<T: Send + Unpin>() {}
        send_and_unpin::<Call<'static, Vec<String>, String>>();
        send_and_unpin::<Call<'static, (), Infallible, Empty>>();
        send_and_unpin::<Call<'static, Response, String, AsIs>>();
        send_and_unpin::<Call<'static, WithHeaders<Vec<String>>, String, Headers<Json>>>();
    }
}
