//! Parsing a query (RFC 9535 §2): a hand-written recursive descent
//! parser whose errors say what was expected where, with nesting bounded
//! by [`MAX_NESTING`].

use serde_json::{Number, Value};

use super::{
    Comparable, Comparison, FilterQuery, Function, Logical, Segment, Selector, MAX_INT, MAX_NESTING,
};

/// The segments of the query `text` (`$` and what follows it).
pub(super) fn segments(text: &str) -> Result<Vec<Segment>, String> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
        depth: 0,
    };
    if !parser.eat('$') {
        return Err("a query starts with `$`".to_owned());
    }
    let segments = parser.segments()?;
    if parser.at < parser.chars.len() {
        return Err(parser.unexpected("a segment (`.name`, `..name` or `[...]`)"));
    }
    Ok(segments)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).copied()
    }

    fn eat(&mut self, expected: char) -> bool {
        if self.peek() == Some(expected) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, expected: &str) -> bool {
        let matches = expected
            .chars()
            .enumerate()
            .all(|(offset, c)| self.peek_at(offset) == Some(c));
        if matches {
            self.at += expected.chars().count();
        }
        matches
    }

    fn expect(&mut self, expected: char) -> Result<(), String> {
        if self.eat(expected) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{expected}`")))
        }
    }

    fn unexpected(&self, expected: &str) -> String {
        match self.peek() {
            Some(found) => format!(
                "expected {expected} at character {}, found `{found}`",
                self.at + 1
            ),
            None => format!("expected {expected} at the end"),
        }
    }

    /// Blank space (RFC 9535 `S`).
    fn blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.at += 1;
        }
    }

    /// Segments up to the end of the query or of the filter query they
    /// belong to.
    fn segments(&mut self) -> Result<Vec<Segment>, String> {
        let mut segments = Vec::new();
        loop {
            let before = self.at;
            self.blanks();
            match self.peek() {
                Some('.') if self.peek_at(1) == Some('.') => {
                    self.at += 2;
                    let selectors = match self.peek() {
                        Some('[') => self.bracketed()?,
                        Some('*') => {
                            self.at += 1;
                            vec![Selector::Wildcard]
                        }
                        _ => vec![Selector::Name(self.member_name()?)],
                    };
                    segments.push(Segment::Descendant(selectors));
                }
                Some('.') => {
                    self.at += 1;
                    let selector = if self.eat('*') {
                        Selector::Wildcard
                    } else {
                        Selector::Name(self.member_name()?)
                    };
                    segments.push(Segment::Child(vec![selector]));
                }
                Some('[') => segments.push(Segment::Child(self.bracketed()?)),
                _ => {
                    // Blank space belongs to what follows the query.
                    self.at = before;
                    return Ok(segments);
                }
            }
        }
    }

    /// `name-first *name-char`, for `.name`.
    fn member_name(&mut self) -> Result<String, String> {
        let first = |c: char| c.is_ascii_alphabetic() || c == '_' || !c.is_ascii();
        let mut name = String::new();
        match self.peek() {
            Some(c) if first(c) => name.push(c),
            _ => return Err(self.unexpected("a member name or `*`")),
        }
        self.at += 1;
        while let Some(c) = self.peek().filter(|&c| first(c) || c.is_ascii_digit()) {
            name.push(c);
            self.at += 1;
        }
        Ok(name)
    }

    fn bracketed(&mut self) -> Result<Vec<Selector>, String> {
        self.expect('[')?;
        let mut selectors = Vec::new();
        loop {
            self.blanks();
            selectors.push(self.selector()?);
            self.blanks();
            if self.eat(']') {
                return Ok(selectors);
            }
            if !self.eat(',') {
                return Err(self.unexpected("`,` or `]`"));
            }
        }
    }

    fn selector(&mut self) -> Result<Selector, String> {
        match self.peek() {
            Some('\'' | '"') => Ok(Selector::Name(self.string()?)),
            Some('*') => {
                self.at += 1;
                Ok(Selector::Wildcard)
            }
            Some('?') => {
                self.at += 1;
                self.blanks();
                Ok(Selector::Filter(self.logical()?))
            }
            Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => self.index_or_slice(),
            _ => Err(self.unexpected("a selector: a quoted name, `*`, an index, a slice or `?`")),
        }
    }

    fn index_or_slice(&mut self) -> Result<Selector, String> {
        let start = self.optional_integer()?;
        self.blanks();
        if !self.eat(':') {
            return match start {
                Some(index) => Ok(Selector::Index(index)),
                None => Err(self.unexpected("an index or a slice")),
            };
        }
        self.blanks();
        let end = self.optional_integer()?;
        self.blanks();
        let step = if self.eat(':') {
            self.blanks();
            self.optional_integer()?
        } else {
            None
        };
        Ok(Selector::Slice { start, end, step })
    }

    fn optional_integer(&mut self) -> Result<Option<i64>, String> {
        match self.peek() {
            Some(c) if c == '-' || c.is_ascii_digit() => self.integer().map(Some),
            _ => Ok(None),
        }
    }

    /// `"0" / (["-"] DIGIT1 *DIGIT)`, within ±(2^53 - 1).
    fn integer(&mut self) -> Result<i64, String> {
        let start = self.at;
        let negative = self.eat('-');
        let digits = self.digits();
        if digits.is_empty() || (digits.starts_with('0') && (digits.len() > 1 || negative)) {
            self.at = start;
            return Err(self.unexpected("an integer without leading zeros"));
        }
        match digits.parse::<i64>() {
            Ok(value) if value <= MAX_INT => Ok(if negative { -value } else { value }),
            _ => {
                self.at = start;
                Err(self.unexpected("an integer between -(2^53-1) and 2^53-1"))
            }
        }
    }

    fn digits(&mut self) -> String {
        let mut digits = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_digit) {
            digits.push(c);
            self.at += 1;
        }
        digits
    }

    /// A string literal in single or double quotes, with JSON's escapes
    /// (and `\'` in single quotes).
    fn string(&mut self) -> Result<String, String> {
        let quote = match self.peek() {
            Some(quote @ ('\'' | '"')) => quote,
            _ => return Err(self.unexpected("a quoted string")),
        };
        self.at += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.unexpected(&format!("the closing `{quote}`")));
            };
            self.at += 1;
            match c {
                c if c == quote => return Ok(out),
                '\\' => {
                    let escaped = self.peek();
                    self.at += 1;
                    match escaped {
                        Some('b') => out.push('\u{8}'),
                        Some('f') => out.push('\u{c}'),
                        Some('n') => out.push('\n'),
                        Some('r') => out.push('\r'),
                        Some('t') => out.push('\t'),
                        Some('/') => out.push('/'),
                        Some('\\') => out.push('\\'),
                        Some(c) if c == quote => out.push(c),
                        Some('u') => out.push(self.unicode_escape()?),
                        _ => {
                            self.at -= 1;
                            return Err(self.unexpected("an escape: b f n r t / \\ u or the quote"));
                        }
                    }
                }
                c if u32::from(c) < 0x20 => {
                    self.at -= 1;
                    return Err(self.unexpected("a character; control characters must be escaped"));
                }
                c => out.push(c),
            }
        }
    }

    /// The `XXXX` after `\u`, and a low surrogate's `\uXXXX` after a high
    /// one.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let high = self.hex4()?;
        if (0xD800..0xDC00).contains(&high) {
            if !self.eat_str("\\u") {
                return Err(self.unexpected("`\\u` and the low surrogate"));
            }
            let low = self.hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(self.unexpected("a low surrogate"));
            }
            let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
            return char::from_u32(code).ok_or_else(|| self.unexpected("a character"));
        }
        char::from_u32(high).ok_or_else(|| self.unexpected("a character, not a lone surrogate"))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| self.unexpected("a hexadecimal digit"))?;
            value = value * 16 + digit;
            self.at += 1;
        }
        Ok(value)
    }

    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T, String>,
    ) -> Result<T, String> {
        if self.depth >= MAX_NESTING {
            return Err(format!("the filter nests deeper than {MAX_NESTING} levels"));
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    /// `logical-or-expr`.
    fn logical(&mut self) -> Result<Logical, String> {
        self.nested(|parser| {
            let mut any = vec![parser.and()?];
            loop {
                parser.blanks();
                if !parser.eat_str("||") {
                    break;
                }
                parser.blanks();
                any.push(parser.and()?);
            }
            Ok(if any.len() == 1 {
                any.remove(0)
            } else {
                Logical::Or(any)
            })
        })
    }

    fn and(&mut self) -> Result<Logical, String> {
        let mut all = vec![self.basic()?];
        loop {
            let before = self.at;
            self.blanks();
            if !self.eat_str("&&") {
                self.at = before;
                break;
            }
            self.blanks();
            all.push(self.basic()?);
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            Logical::And(all)
        })
    }

    /// `paren-expr / comparison-expr / test-expr`.
    fn basic(&mut self) -> Result<Logical, String> {
        if self.eat('!') {
            self.blanks();
            let inner = if self.eat('(') {
                self.parenthesised()?
            } else {
                let operand = self.operand()?;
                self.test_of(operand)?
            };
            return Ok(Logical::Not(Box::new(inner)));
        }
        if self.eat('(') {
            return self.parenthesised();
        }
        let left = self.operand()?;
        let before = self.at;
        self.blanks();
        match self.comparison() {
            Some(comparison) => {
                self.blanks();
                let right = self.operand()?;
                Ok(Logical::Compare(
                    self.comparable(left)?,
                    comparison,
                    self.comparable(right)?,
                ))
            }
            None => {
                self.at = before;
                self.test_of(left)
            }
        }
    }

    /// After `(`: a logical expression and `)`.
    fn parenthesised(&mut self) -> Result<Logical, String> {
        self.blanks();
        let inner = self.logical()?;
        self.blanks();
        self.expect(')')?;
        Ok(inner)
    }

    fn comparison(&mut self) -> Option<Comparison> {
        for (text, comparison) in [
            ("==", Comparison::Eq),
            ("!=", Comparison::Ne),
            ("<=", Comparison::Le),
            (">=", Comparison::Ge),
            ("<", Comparison::Lt),
            (">", Comparison::Gt),
        ] {
            if self.eat_str(text) {
                return Some(comparison);
            }
        }
        None
    }

    /// An operand of a comparison or a test: a query, a function call or
    /// a literal.
    fn operand(&mut self) -> Result<Operand, String> {
        match self.peek() {
            Some('@' | '$') => Ok(Operand::Query(self.filter_query()?)),
            Some('\'' | '"') => Ok(Operand::Literal(Value::String(self.string()?))),
            Some(c) if c == '-' || c.is_ascii_digit() => Ok(Operand::Literal(self.number()?)),
            Some(c) if c.is_ascii_lowercase() => {
                let start = self.at;
                let mut name = String::new();
                while let Some(c) = self
                    .peek()
                    .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                {
                    name.push(c);
                    self.at += 1;
                }
                if self.peek() == Some('(') {
                    return self.function(&name, start).map(Operand::Function);
                }
                match name.as_str() {
                    "true" => Ok(Operand::Literal(Value::Bool(true))),
                    "false" => Ok(Operand::Literal(Value::Bool(false))),
                    "null" => Ok(Operand::Literal(Value::Null)),
                    _ => {
                        self.at = start;
                        Err(self.unexpected("a query, a literal or a function call"))
                    }
                }
            }
            _ => Err(self.unexpected("a query (`@…` or `$…`), a literal or a function call")),
        }
    }

    fn filter_query(&mut self) -> Result<FilterQuery, String> {
        let relative = match self.peek() {
            Some('@') => true,
            Some('$') => false,
            _ => return Err(self.unexpected("`@` or `$`")),
        };
        self.at += 1;
        let segments = self.nested(Self::segments)?;
        Ok(FilterQuery { relative, segments })
    }

    /// A number literal: `(int / "-0") [frac] [exp]`.
    fn number(&mut self) -> Result<Value, String> {
        let start = self.at;
        let negative = self.eat('-');
        let digits = self.digits();
        if digits.is_empty() || (digits.starts_with('0') && digits.len() > 1) {
            self.at = start;
            return Err(self.unexpected("a number"));
        }
        let mut text = format!("{}{digits}", if negative { "-" } else { "" });
        if self.peek() == Some('.') {
            self.at += 1;
            let fraction = self.digits();
            if fraction.is_empty() {
                return Err(self.unexpected("digits after `.`"));
            }
            text.push('.');
            text.push_str(&fraction);
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.at += 1;
            text.push('e');
            if let Some(sign @ ('+' | '-')) = self.peek() {
                text.push(sign);
                self.at += 1;
            }
            let exponent = self.digits();
            if exponent.is_empty() {
                return Err(self.unexpected("digits of the exponent"));
            }
            text.push_str(&exponent);
        }
        if let Ok(integer) = text.parse::<i64>() {
            return Ok(Value::from(integer));
        }
        text.parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("the number `{text}` is out of range"))
    }

    /// After a function's name, at `(`.
    fn function(&mut self, name: &str, start: usize) -> Result<Function, String> {
        self.expect('(')?;
        self.blanks();
        let function = match name {
            "length" => {
                let argument = self.operand()?;
                let argument = match argument {
                    Operand::Query(query) if !query.is_singular() => {
                        return Err(format!(
                            "the argument of `length()` must be a singular query, a literal or a function (at character {})",
                            start + 1
                        ))
                    }
                    other => self.comparable(other)?,
                };
                Function::Length(Box::new(argument))
            }
            "count" | "value" => {
                let query = self.filter_query().map_err(|_| {
                    format!(
                        "the argument of `{name}()` must be a query (at character {})",
                        start + 1
                    )
                })?;
                if name == "count" {
                    Function::Count(query)
                } else {
                    Function::Value(query)
                }
            }
            "match" | "search" => {
                return Err(format!(
                    "the function `{name}()` is not supported by this generator (it needs regular expressions); compare with `==` instead"
                ))
            }
            _ => return Err(format!("unknown function `{name}()` at character {}", start + 1)),
        };
        self.blanks();
        self.expect(')')?;
        Ok(function)
    }

    /// A comparison's side: a literal, a singular query or a function that
    /// yields a value.
    fn comparable(&self, operand: Operand) -> Result<Comparable, String> {
        match operand {
            Operand::Literal(value) => Ok(Comparable::Literal(value)),
            Operand::Function(function) => Ok(Comparable::Function(function)),
            Operand::Query(query) if query.is_singular() => Ok(Comparable::Query(query)),
            Operand::Query(_) => Err(format!(
                "a query compared with another value must be singular (names and indices only) (before character {})",
                self.at + 1
            )),
        }
    }

    /// An operand used as a test: only a query (true when it selects
    /// something); the value functions must be compared.
    fn test_of(&self, operand: Operand) -> Result<Logical, String> {
        match operand {
            Operand::Query(query) => Ok(Logical::Exists(query)),
            Operand::Function(_) => Err(format!(
                "a function result must be compared with something, as in `length(@) > 0` (before character {})",
                self.at + 1
            )),
            Operand::Literal(_) => Err(format!(
                "a literal must be compared with something (before character {})",
                self.at + 1
            )),
        }
    }
}

/// An operand before it is known to be compared or tested.
enum Operand {
    Literal(Value),
    Query(FilterQuery),
    Function(Function),
}
