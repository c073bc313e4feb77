//! The one collector of problems found in a document, in the manner of
//! serde_derive's `Ctxt`: every part of the loader and the model pushes
//! errors and warnings as it finds them, through a shared reference, and
//! the stage checks once at its end, so a document with several problems
//! reports them all.

use std::cell::RefCell;

use crate::error::{Error, Location, Warning};
use crate::load::Source;

/// Errors and warnings about one document, each located in its file.
#[derive(Debug)]
pub(crate) struct Diagnostics<'s> {
    source: &'s Source,
    errors: RefCell<Vec<Error>>,
    warnings: RefCell<Vec<Warning>>,
}

impl<'s> Diagnostics<'s> {
    /// A collector of problems in `source`.
    pub(crate) fn new(source: &'s Source) -> Self {
        Diagnostics {
            source,
            errors: RefCell::default(),
            warnings: RefCell::default(),
        }
    }

    /// The place `pointer` names in the document as written, with its line.
    pub(crate) fn at(&self, pointer: &str) -> Location {
        self.source.at(pointer)
    }

    /// Something at `pointer` the generator worked around, and how.
    pub(crate) fn warn(&self, pointer: impl AsRef<str>, message: impl Into<String>) {
        let location = self.at(pointer.as_ref());
        self.warnings.borrow_mut().push(Warning {
            location,
            message: message.into(),
        });
    }

    /// A mark of the warnings reported so far, for [`Self::retract`].
    pub(crate) fn mark(&self) -> Mark {
        Mark(self.warnings.borrow().len())
    }

    /// Takes back the warnings reported since `mark`: what they warned
    /// about turned out to be an error reported elsewhere.
    pub(crate) fn retract(&self, mark: Mark) {
        self.warnings.borrow_mut().truncate(mark.0);
    }

    /// Something at `pointer` that makes the document unusable, with what to
    /// do about it when that helps.
    pub(crate) fn error_at(&self, pointer: &str, message: impl Into<String>, hint: Option<String>) {
        self.error(Error::Document {
            location: self.at(pointer),
            message: message.into(),
            hint,
        });
    }

    /// An error located by its finder (in another file, say).
    pub(crate) fn error(&self, error: Error) {
        self.errors.borrow_mut().push(error);
    }

    /// The errors reported so far, taken: for a step that cannot go on
    /// after one (the loader cannot convert a document whose references are
    /// broken). The warnings stay.
    pub(crate) fn check_errors(&self) -> Result<(), Error> {
        collapse(std::mem::take(&mut *self.errors.borrow_mut()))
    }

    /// The end of a stage: every error reported, or the warnings.
    pub(crate) fn check(self) -> Result<Vec<Warning>, Error> {
        collapse(self.errors.into_inner())?;
        Ok(self.warnings.into_inner())
    }
}

/// How many warnings were reported at some point.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark(usize);

/// Errors as one: none is `Ok`, one itself, several [`Error::Many`].
pub(crate) fn collapse(mut errors: Vec<Error>) -> Result<(), Error> {
    match errors.len() {
        0 => Ok(()),
        1 => Err(errors.remove(0)),
        _ => Err(Error::Many(errors)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> Source {
        Source::new(
            "api.yaml".into(),
            "openapi: 3.0.3\npaths:\n  /pets:\n    get: {}\n".to_owned(),
        )
    }

    #[test]
    fn warnings_carry_the_line_of_their_pointer() {
        let source = source();
        let diagnostics = Diagnostics::new(&source);
        diagnostics.warn("/paths/~1pets/get", "worked around");
        let warnings = diagnostics.check().unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].location.line, Some(4));
        assert_eq!(
            warnings[0].to_string(),
            "api.yaml:4: at #/paths/~1pets/get: worked around"
        );
    }

    #[test]
    fn every_error_is_reported_once_at_the_end() {
        let source = source();
        let diagnostics = Diagnostics::new(&source);
        assert!(diagnostics.check_errors().is_ok());
        diagnostics.warn("/paths", "kept");
        diagnostics.error_at("/paths", "first", None);
        let Err(Error::Document { location, .. }) = diagnostics.check_errors() else {
            panic!("one error is itself")
        };
        assert_eq!(location.line, Some(2));
        assert!(diagnostics.check_errors().is_ok(), "taken by the check");
        diagnostics.error_at("/openapi", "second", Some("hint".to_owned()));
        diagnostics.error_at("/nowhere", "third", None);
        let Err(Error::Many(errors)) = diagnostics.check() else {
            panic!("several errors are reported together")
        };
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "api.yaml:1: at #/openapi: second (hint: hint)",
                "api.yaml: at #/nowhere: third",
            ]
        );
    }

    #[test]
    fn no_error_collapses_to_ok() {
        assert!(collapse(Vec::new()).is_ok());
        let one = Error::InvalidOption {
            option: "o",
            message: "m".to_owned(),
        };
        assert!(matches!(
            collapse(vec![one]),
            Err(Error::InvalidOption { .. })
        ));
    }
}
