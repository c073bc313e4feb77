//! JSONPath (RFC 9535) for the targets of overlay actions: a query is parsed
//! once and evaluated to the locations of the nodes it selects, so that an
//! action can update or remove them.
//!
//! Everything in the RFC is supported except the `match()` and `search()`
//! functions, which need a regular expression engine; a query using them is
//! refused with a message saying so. (`serde_json_path` implements the whole
//! RFC but brings a second major version of `syn` into every build script
//! that uses the generator.)

use serde_json::{Number, Value};

/// One step from a node to a child: a member name or an array index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Step {
    Name(String),
    Index(usize),
}

/// The location of a node: the steps from the root to it.
pub(super) type Location = Vec<Step>;

/// A parsed JSONPath query.
#[derive(Debug, Clone)]
pub(super) struct Query {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone)]
enum Segment {
    /// `.name`, `[...]`: selects among the children.
    Child(Vec<Selector>),
    /// `..name`, `..[...]`: selects among the node and all its descendants'
    /// children.
    Descendant(Vec<Selector>),
}

#[derive(Debug, Clone)]
enum Selector {
    Name(String),
    Wildcard,
    Index(i64),
    Slice {
        start: Option<i64>,
        end: Option<i64>,
        step: Option<i64>,
    },
    Filter(Logical),
}

/// A filter's logical expression.
#[derive(Debug, Clone)]
enum Logical {
    Or(Vec<Logical>),
    And(Vec<Logical>),
    Not(Box<Logical>),
    /// True when the query selects at least one node.
    Exists(FilterQuery),
    Compare(Comparable, Comparison, Comparable),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A query inside a filter: relative to the current node (`@`) or to the
/// root (`$`).
#[derive(Debug, Clone)]
struct FilterQuery {
    relative: bool,
    segments: Vec<Segment>,
}

impl FilterQuery {
    /// A singular query selects at most one node: only name and index
    /// selectors, one per segment, no descendants.
    fn is_singular(&self) -> bool {
        self.segments.iter().all(|segment| {
            matches!(segment, Segment::Child(selectors)
                if selectors.len() == 1
                    && matches!(selectors[0], Selector::Name(_) | Selector::Index(_)))
        })
    }
}

/// What a comparison compares: each side yields a value or nothing.
#[derive(Debug, Clone)]
enum Comparable {
    Literal(Value),
    /// A singular query.
    Query(FilterQuery),
    Function(Function),
}

/// The functions of RFC 9535 §2.4 that yield a value.
#[derive(Debug, Clone)]
enum Function {
    /// `length(value)`: characters of a string, items of an array, members
    /// of an object.
    Length(Box<Comparable>),
    /// `count(nodes)`.
    Count(FilterQuery),
    /// `value(nodes)`: the value of a single node.
    Value(FilterQuery),
}

/// Largest and smallest integers JSONPath allows (I-JSON's exact range).
const MAX_INT: i64 = (1 << 53) - 1;

/// Filters nest no deeper than this, so a hostile query cannot exhaust the
/// stack.
const MAX_NESTING: usize = 64;

impl Query {
    /// Parses `text`; the error says what was expected where.
    pub(super) fn parse(text: &str) -> Result<Query, String> {
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
        Ok(Query { segments })
    }

    /// The locations of the nodes the query selects in `root`, in the
    /// order the RFC defines (document order for each selector).
    pub(super) fn locate(&self, root: &Value) -> Vec<Location> {
        select(&self.segments, root, vec![(Vec::new(), root)])
            .into_iter()
            .map(|(location, _)| location)
            .collect()
    }
}

type Node<'v> = (Location, &'v Value);

fn select<'v>(segments: &[Segment], root: &'v Value, mut nodes: Vec<Node<'v>>) -> Vec<Node<'v>> {
    for segment in segments {
        let mut next = Vec::new();
        for (location, value) in nodes {
            match segment {
                Segment::Child(selectors) => {
                    for selector in selectors {
                        apply(selector, root, &location, value, &mut next);
                    }
                }
                Segment::Descendant(selectors) => {
                    let mut visited = Vec::new();
                    descendants(location, value, &mut visited);
                    for (location, value) in visited {
                        for selector in selectors {
                            apply(selector, root, &location, value, &mut next);
                        }
                    }
                }
            }
        }
        nodes = next;
    }
    nodes
}

/// The node and its descendants, each before its children, children in
/// document order.
fn descendants<'v>(location: Location, value: &'v Value, out: &mut Vec<Node<'v>>) {
    out.push((location.clone(), value));
    for (step, child) in children(value) {
        let mut child_location = location.clone();
        child_location.push(step);
        descendants(child_location, child, out);
    }
}

fn children(value: &Value) -> Vec<(Step, &Value)> {
    match value {
        Value::Object(members) => members
            .iter()
            .map(|(name, child)| (Step::Name(name.clone()), child))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, child)| (Step::Index(index), child))
            .collect(),
        _ => Vec::new(),
    }
}

fn apply<'v>(
    selector: &Selector,
    root: &'v Value,
    location: &Location,
    value: &'v Value,
    out: &mut Vec<Node<'v>>,
) {
    let at = |step: Step| {
        let mut child = location.clone();
        child.push(step);
        child
    };
    match selector {
        Selector::Name(name) => {
            if let Some(child) = value.as_object().and_then(|members| members.get(name)) {
                out.push((at(Step::Name(name.clone())), child));
            }
        }
        Selector::Wildcard => {
            for (step, child) in children(value) {
                out.push((at(step), child));
            }
        }
        Selector::Index(index) => {
            if let Some(items) = value.as_array() {
                let len = items.len() as i64;
                let index = if *index < 0 { len + index } else { *index };
                if (0..len).contains(&index) {
                    let index = index as usize;
                    out.push((at(Step::Index(index)), &items[index]));
                }
            }
        }
        Selector::Slice { start, end, step } => {
            if let Some(items) = value.as_array() {
                for index in slice_indices(items.len() as i64, *start, *end, step.unwrap_or(1)) {
                    out.push((at(Step::Index(index)), &items[index]));
                }
            }
        }
        Selector::Filter(filter) => {
            for (step, child) in children(value) {
                if test(filter, root, child) {
                    out.push((at(step), child));
                }
            }
        }
    }
}

/// The indices an array slice selects (RFC 9535 §2.3.4.2.2).
fn slice_indices(len: i64, start: Option<i64>, end: Option<i64>, step: i64) -> Vec<usize> {
    let normalize = |i: i64| if i >= 0 { i } else { len + i };
    let mut indices = Vec::new();
    if step > 0 {
        let lower = normalize(start.unwrap_or(0)).clamp(0, len);
        let upper = normalize(end.unwrap_or(len)).clamp(0, len);
        let mut i = lower;
        while i < upper {
            indices.push(i as usize);
            i += step;
        }
    } else if step < 0 {
        let upper = normalize(start.unwrap_or(len - 1)).clamp(-1, len - 1);
        let lower = normalize(end.unwrap_or(-len - 1)).clamp(-1, len - 1);
        let mut i = upper;
        while lower < i {
            indices.push(i as usize);
            i += step;
        }
    }
    indices
}

fn test(expression: &Logical, root: &Value, current: &Value) -> bool {
    match expression {
        Logical::Or(any) => any.iter().any(|e| test(e, root, current)),
        Logical::And(all) => all.iter().all(|e| test(e, root, current)),
        Logical::Not(inner) => !test(inner, root, current),
        Logical::Exists(query) => !query_nodes(query, root, current).is_empty(),
        Logical::Compare(left, comparison, right) => {
            let left = evaluate(left, root, current);
            let right = evaluate(right, root, current);
            compare(left.as_ref(), *comparison, right.as_ref())
        }
    }
}

fn query_nodes<'v>(query: &FilterQuery, root: &'v Value, current: &'v Value) -> Vec<Node<'v>> {
    let start = if query.relative { current } else { root };
    select(&query.segments, root, vec![(Vec::new(), start)])
}

/// A comparable's value, `None` for "Nothing".
fn evaluate(comparable: &Comparable, root: &Value, current: &Value) -> Option<Value> {
    match comparable {
        Comparable::Literal(value) => Some(value.clone()),
        Comparable::Query(query) => query_nodes(query, root, current)
            .first()
            .map(|(_, value)| (*value).clone()),
        Comparable::Function(Function::Length(argument)) => {
            match evaluate(argument, root, current)? {
                Value::String(text) => Some(Value::from(text.chars().count())),
                Value::Array(items) => Some(Value::from(items.len())),
                Value::Object(members) => Some(Value::from(members.len())),
                _ => None,
            }
        }
        Comparable::Function(Function::Count(query)) => {
            Some(Value::from(query_nodes(query, root, current).len()))
        }
        Comparable::Function(Function::Value(query)) => {
            match query_nodes(query, root, current).as_slice() {
                [(_, value)] => Some((*value).clone()),
                _ => None,
            }
        }
    }
}

/// RFC 9535 §2.3.5.2.2: `==` is deep equality (numbers by value), `<` is
/// defined for two numbers or two strings only, and the other operators
/// follow from those two.
fn compare(left: Option<&Value>, comparison: Comparison, right: Option<&Value>) -> bool {
    let equal = || match (left, right) {
        (None, None) => true,
        (Some(left), Some(right)) => equal_values(left, right),
        _ => false,
    };
    let less = |left: Option<&Value>, right: Option<&Value>| match (left, right) {
        (Some(Value::Number(left)), Some(Value::Number(right))) => {
            number_order(left, right) == Some(std::cmp::Ordering::Less)
        }
        (Some(Value::String(left)), Some(Value::String(right))) => left < right,
        _ => false,
    };
    match comparison {
        Comparison::Eq => equal(),
        Comparison::Ne => !equal(),
        Comparison::Lt => less(left, right),
        Comparison::Gt => less(right, left),
        Comparison::Le => less(left, right) || equal(),
        Comparison::Ge => less(right, left) || equal(),
    }
}

fn equal_values(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(left), Value::Number(right)) => {
            number_order(left, right) == Some(std::cmp::Ordering::Equal)
        }
        (Value::Array(left), Value::Array(right)) => {
            left.len() == right.len() && left.iter().zip(right).all(|(l, r)| equal_values(l, r))
        }
        (Value::Object(left), Value::Object(right)) => {
            left.len() == right.len()
                && left
                    .iter()
                    .all(|(key, l)| right.get(key).is_some_and(|r| equal_values(l, r)))
        }
        _ => left == right,
    }
}

fn number_order(left: &Number, right: &Number) -> Option<std::cmp::Ordering> {
    match (left.as_i64(), right.as_i64()) {
        (Some(left), Some(right)) => Some(left.cmp(&right)),
        _ => left.as_f64()?.partial_cmp(&right.as_f64()?),
    }
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

/// The node at `location`, mutably.
pub(super) fn node_mut<'v>(root: &'v mut Value, location: &[Step]) -> Option<&'v mut Value> {
    let mut node = root;
    for step in location {
        node = match (step, node) {
            (Step::Name(name), Value::Object(members)) => members.get_mut(name)?,
            (Step::Index(index), Value::Array(items)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(node)
}

/// Removes the node at `location` from its parent; `false` when there is
/// no such node (or it is the root).
pub(super) fn remove(root: &mut Value, location: &[Step]) -> bool {
    let Some((last, parent)) = location.split_last() else {
        return false;
    };
    match (last, node_mut(root, parent)) {
        (Step::Name(name), Some(Value::Object(members))) => members.shift_remove(name).is_some(),
        (Step::Index(index), Some(Value::Array(items))) if *index < items.len() => {
            items.remove(*index);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The JSON pointer of a location.
    fn pointer(location: &[Step]) -> String {
        let mut pointer = String::new();
        for step in location {
            pointer.push('/');
            match step {
                Step::Name(name) => pointer.push_str(&crate::error::escape_pointer_token(name)),
                Step::Index(index) => pointer.push_str(&index.to_string()),
            }
        }
        pointer
    }

    fn pointers(query: &str, root: &Value) -> Vec<String> {
        let query = Query::parse(query).unwrap_or_else(|e| panic!("{query}: {e}"));
        query.locate(root).iter().map(|l| pointer(l)).collect()
    }

    fn store() -> Value {
        // RFC 9535 Figure 1.
        json!({ "store": {
            "book": [
                { "category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95 },
                { "category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99 },
                { "category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99 },
                { "category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99 }
            ],
            "bicycle": { "color": "red", "price": 399 }
        }})
    }

    #[test]
    fn the_rfc_examples_select_what_the_rfc_says() {
        let root = store();
        assert_eq!(
            pointers("$.store.book[*].author", &root),
            [
                "/store/book/0/author",
                "/store/book/1/author",
                "/store/book/2/author",
                "/store/book/3/author"
            ]
        );
        assert_eq!(pointers("$..author", &root).len(), 4);
        assert_eq!(
            pointers("$.store.*", &root),
            ["/store/book", "/store/bicycle"]
        );
        assert_eq!(pointers("$.store..price", &root).len(), 5);
        assert_eq!(pointers("$..book[2]", &root), ["/store/book/2"]);
        assert_eq!(pointers("$..book[-1]", &root), ["/store/book/3"]);
        assert_eq!(
            pointers("$..book[0,1]", &root),
            ["/store/book/0", "/store/book/1"]
        );
        assert_eq!(
            pointers("$..book[:2]", &root),
            ["/store/book/0", "/store/book/1"]
        );
        assert_eq!(
            pointers("$..book[?@.isbn]", &root),
            ["/store/book/2", "/store/book/3"]
        );
        assert_eq!(
            pointers("$..book[?@.price<10]", &root),
            ["/store/book/0", "/store/book/2"]
        );
        assert_eq!(pointers("$..*", &root).len(), 27);
    }

    #[test]
    fn slices_follow_the_normative_algorithm() {
        let root = json!(["a", "b", "c", "d", "e", "f", "g"]);
        assert_eq!(pointers("$[1:3]", &root), ["/1", "/2"]);
        assert_eq!(pointers("$[5:]", &root), ["/5", "/6"]);
        assert_eq!(pointers("$[1:5:2]", &root), ["/1", "/3"]);
        assert_eq!(pointers("$[5:1:-2]", &root), ["/5", "/3"]);
        assert_eq!(
            pointers("$[::-1]", &root),
            ["/6", "/5", "/4", "/3", "/2", "/1", "/0"]
        );
        assert!(pointers("$[::0]", &root).is_empty());
        assert!(pointers("$[10]", &root).is_empty());
    }

    #[test]
    fn filters_compare_deeply_and_combine() {
        let root = json!({"paths": {
            "/a": {"get": {"operationId": "listA", "tags": ["x"]}, "post": {"operationId": "makeA"}},
            "/b": {"get": {"operationId": "listB", "deprecated": true, "n": 1.0}},
        }});
        assert_eq!(
            pointers("$.paths.*[?@.operationId == 'listB']", &root),
            ["/paths/~1b/get"]
        );
        assert_eq!(
            pointers("$.paths[?@.get && !@.post]", &root),
            ["/paths/~1b"]
        );
        assert_eq!(
            pointers(
                "$.paths.*[?@.deprecated == true || @.operationId == \"makeA\"]",
                &root
            ),
            ["/paths/~1a/post", "/paths/~1b/get"]
        );
        assert_eq!(pointers("$.paths.*[?@.n == 1]", &root), ["/paths/~1b/get"]);
        assert_eq!(pointers("$.paths[?length(@) == 2]", &root), ["/paths/~1a"]);
        assert_eq!(pointers("$.paths[?count(@.*) == 1]", &root), ["/paths/~1b"]);
        assert_eq!(
            pointers("$.paths[?value(@..operationId) == 'listB']", &root),
            ["/paths/~1b"]
        );
        assert_eq!(pointers("$.paths['/a', '/b'].get", &root).len(), 2);
        assert_eq!(pointers("$[\"paths\"]['\\u002Fa']", &root), ["/paths/~1a"]);
        assert_eq!(pointers("$.paths[?$.paths]", &root).len(), 2);
    }

    #[test]
    fn invalid_queries_are_refused_with_a_reason() {
        for (query, reason) in [
            ("", "starts with `$`"),
            ("paths", "starts with `$`"),
            ("$.", "member name"),
            ("$[01]", "leading zeros"),
            ("$[-0]", "leading zeros"),
            ("$[9007199254740992]", "between"),
            ("$['a'", "`,` or `]`"),
            ("$['a\\q']", "escape"),
            ("$[?@.a == @..b]", "singular"),
            ("$[?length(@)]", "compared"),
            ("$[?match(@.a, 'x')]", "not supported"),
            ("$[?nope(@)]", "unknown function"),
            ("$[?1]", "literal"),
            ("$.a ", "segment"),
        ] {
            let err = Query::parse(query).unwrap_err();
            assert!(err.contains(reason), "{query}: {err}");
        }
    }

    #[test]
    fn arbitrary_queries_never_panic() {
        const PIECES: &[&str] = &[
            "$", "@", ".", "..", "*", "[", "]", "?", "'a'", "\"b\"", "0", "-1", ":", ",", "==",
            "<", "!", "&&", "||", "(", ")", "length(", "count(", "value(", "true", "null", " ",
            "a", "1.5e3", "\\u00", "'",
        ];
        let root = store();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut parsed = 0;
        for _ in 0..20_000 {
            let mut text = String::from("$");
            for _ in 0..(next() % 12) {
                text.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
            }
            if let Ok(query) = Query::parse(&text) {
                parsed += 1;
                let _ = query.locate(&root);
            }
        }
        assert!(parsed > 100, "{parsed}");
        let deep = format!("$[?{}@{}]", "(".repeat(500), ")".repeat(500));
        assert!(Query::parse(&deep).is_err());
    }

    #[test]
    fn nodes_are_removed_and_updated_by_location() {
        let mut root = json!({"a": [1, 2, 3], "b": {"c": true}});
        assert!(remove(&mut root, &[Step::Name("a".into()), Step::Index(1)]));
        assert!(remove(
            &mut root,
            &[Step::Name("b".into()), Step::Name("c".into())]
        ));
        assert!(!remove(&mut root, &[]));
        assert!(!remove(&mut root, &[Step::Name("zz".into())]));
        *node_mut(&mut root, &[Step::Name("b".into())]).unwrap() = json!(1);
        assert_eq!(root, json!({"a": [1, 3], "b": 1}));
    }
}
