//! Text from the document made into rustdoc documentation that is only
//! text: no code block in it becomes a doctest, no HTML in it reaches the
//! rendered page, no link in it leads anywhere but to `http(s)` and
//! `mailto` URLs, and rustdoc's default lints (bare URLs, broken
//! intra-doc links, invalid HTML tags) and clippy's doc lints have nothing
//! to say about it.
//!
//! Three passes:
//!
//! 1. [`layout`], line by line: tabs to spaces (clippy's
//!    `tabs_in_doc_comments`), indentation removed outside fenced code
//!    blocks (so indented code blocks become text), list items' continuation
//!    lines indented to their content and block quotes' continued with `>`
//!    (clippy's `doc_lazy_continuation`), unclosed fences closed.
//! 2. [`sanitise`], on what the first pass made: the text is parsed with
//!    `pulldown-cmark` (the parser rustdoc uses, with rustdoc's options and
//!    with more extensions enabled) to find, by byte range, what rustdoc
//!    would make code, HTML or links of, and each is rewritten in place:
//!    fenced code blocks (backticks or tildes, any length, any info string,
//!    in block quotes, lists and footnotes, unclosed) get the info string
//!    `text`; indented code blocks become fenced `text` blocks; every `<` of
//!    raw HTML (inline, blocks, comments) becomes `&lt;`; links and images
//!    to anything but `http:`, `https:` and `mailto:` become text, as do
//!    images (to links) and references to no definition; bare URLs are put
//!    in `<…>`. The result is parsed again, and rewritten again, until no
//!    parse finds anything left to rewrite.
//! 3. When that does not settle within a few rounds, or a rewrite cannot be
//!    made, the whole text is shown as written in one `text` block fenced
//!    with more backticks than any run in it: still text, only less pretty.
//!
//! Everything is deterministic: the same text gives the same lines.

use std::ops::Range;

use pulldown_cmark::{BrokenLink, CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};

/// Which links documentation may hold, besides those to web and mail
/// addresses (`http:`, `https:`, `mailto:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Links {
    /// None: text from the document. A link to a Rust path would be an
    /// intra-doc link to rustdoc, to an item the document cannot know
    /// (Rust services' documents hold ``[`Vpc`](crate::views::Vpc)``), and
    /// `[name]` without a definition too.
    Web,
    /// Intra-doc links: the generator's own text, which links to the items
    /// it generates (``[`send`](Self::send)``, ``[`Builder::send`]``).
    Items,
}

/// Lines of documentation for `text` (trimmed, not empty), each but the
/// empty ones starting with a space, as `///` comments do.
pub(super) fn doc_lines(text: &str, links: Links) -> Vec<String> {
    let text = sanitise(&layout(text), links);
    text.lines()
        .map(|line| {
            if line.trim().is_empty() {
                String::new()
            } else {
                format!(" {line}")
            }
        })
        .collect()
}

/// The first pass: lines laid out as clippy's doc lints want them (see the
/// module documentation). Fenced code blocks are kept as they are, but for
/// their fences, which start their lines.
fn layout(text: &str) -> String {
    // Carriage returns would end up inside `///` comments, where rustc
    // refuses them; tabs, where clippy refuses them.
    let text = text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\t', "    ");
    // The open fence's character and length, while in a fenced block.
    let mut fence: Option<(char, usize)> = None;
    // The content column of the list item being continued, if any: its
    // continuation lines are indented to it, as rustdoc's Markdown wants.
    let mut list_indent: Option<usize> = None;
    // Whether a block quote is being continued: its lines keep the `>`.
    let mut in_quote = false;
    let mut lines = Vec::new();
    for raw in text.lines() {
        let trimmed = raw.trim_start();
        let line = if let Some((c, length)) = fence {
            if closes_fence(trimmed, c, length) {
                fence = None;
                trimmed.to_owned()
            } else {
                raw.to_owned()
            }
        } else if let Some(opened) = opening_fence(trimmed) {
            fence = Some(opened);
            list_indent = None;
            in_quote = false;
            trimmed.to_owned()
        } else if trimmed.is_empty() {
            list_indent = None;
            in_quote = false;
            String::new()
        } else if trimmed.starts_with('>') {
            in_quote = true;
            trimmed.to_owned()
        } else if in_quote {
            format!("> {trimmed}")
        } else if let Some(width) = list_marker_width(trimmed) {
            list_indent = Some(width);
            trimmed.to_owned()
        } else if let Some(indent) = list_indent {
            format!("{}{trimmed}", " ".repeat(indent))
        } else {
            trimmed.to_owned()
        };
        lines.push(line);
    }
    if let Some((c, length)) = fence {
        lines.push(c.to_string().repeat(length));
    }
    lines.join("\n")
}

/// The character and length of the fence `line` opens (CommonMark: three
/// or more backticks or tildes; a backtick fence's info string holds no
/// backtick), if it opens one.
fn opening_fence(line: &str) -> Option<(char, usize)> {
    let c = line.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let length = line.chars().take_while(|x| *x == c).count();
    let info = &line[length..];
    (length >= 3 && !(c == '`' && info.contains('`'))).then_some((c, length))
}

/// Whether `line` closes a fence of `length` `c`s: as many or more, then
/// nothing but spaces.
fn closes_fence(line: &str, c: char, length: usize) -> bool {
    let run = line.chars().take_while(|x| *x == c).count();
    run >= length && line[run..].trim().is_empty()
}

/// The content column of a Markdown list item starting `line` (`- `,
/// `* `, `+ `, `1. `, `1) `, and the spaces after the marker: `*   item`
/// is 4), if it starts with one.
fn list_marker_width(line: &str) -> Option<usize> {
    let marker = if line.starts_with(['-', '*', '+']) {
        1
    } else {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        let rest = &line[digits..];
        if digits == 0 || digits >= 10 || !(rest.starts_with('.') || rest.starts_with(')')) {
            return None;
        }
        digits + 1
    };
    let spaces = line[marker..].chars().take_while(|c| *c == ' ').count();
    // One to four spaces belong to the marker; with more, the item starts
    // with indented code and its content column is one past the marker.
    match spaces {
        0 => None,
        1..=4 => Some(marker + spaces),
        _ => Some(marker + 1),
    }
}

/// The options rustdoc renders documentation with (`main_body_opts` in
/// `librustdoc/html/markdown.rs`), then those with every extension that
/// could make a rustdoc of another version see other blocks: the text must
/// be clean under each.
fn option_sets() -> [Options; 2] {
    let rustdoc = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION;
    [
        rustdoc,
        rustdoc
            | Options::ENABLE_OLD_FOOTNOTES
            | Options::ENABLE_GFM
            | Options::ENABLE_DEFINITION_LIST
            | Options::ENABLE_HEADING_ATTRIBUTES,
    ]
}

/// How many times the text is parsed and rewritten before it is given up
/// on (see the module documentation). Rewriting one construct can reveal
/// another (HTML escaped to text may hold a fence), so a few are needed.
const MAX_ROUNDS: usize = 8;

/// The second and third passes (see the module documentation).
fn sanitise(text: &str, links: Links) -> String {
    if plain(text) {
        return text.to_owned();
    }
    let mut current = text.to_owned();
    for _ in 0..MAX_ROUNDS {
        let mut found = None;
        for options in option_sets() {
            match rewrites(&current, options, links) {
                Some(edits) if edits.is_empty() => {}
                other => {
                    found = Some(other);
                    break;
                }
            }
        }
        match found {
            // Clean under every set of options.
            None => return current,
            Some(Some(edits)) => match apply(&current, edits) {
                Some(rewritten) => current = rewritten,
                None => break,
            },
            Some(None) => break,
        }
    }
    fenced_as_text(text)
}

/// Whether `text` can hold nothing [`rewrites`] would change: code blocks
/// need a fence (backticks or tildes) or four spaces of indentation, HTML
/// and autolinks a `<`, links and references a `[`, bare URLs `http`.
fn plain(text: &str) -> bool {
    !text.contains(['`', '~', '<', '[']) && !text.contains("    ") && {
        let lower = text.to_ascii_lowercase();
        !lower.contains("http")
    }
}

/// `text` whole in a `text` block, fenced with more backticks than any run
/// of them in it, so that nothing in it can close the block.
fn fenced_as_text(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}text\n{text}\n{fence}")
}

/// A replacement of a byte range of the text.
struct Edit {
    range: Range<usize>,
    with: String,
}

impl Edit {
    fn insert(at: usize, with: impl Into<String>) -> Self {
        Edit {
            range: at..at,
            with: with.into(),
        }
    }
}

/// `text` with `edits` made, or `None` when two overlap.
fn apply(text: &str, mut edits: Vec<Edit>) -> Option<String> {
    // Stable: insertions at one place stay in the order they were found.
    edits.sort_by_key(|edit| (edit.range.start, edit.range.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for edit in edits {
        if edit.range.start < at || edit.range.end > text.len() {
            return None;
        }
        out.push_str(text.get(at..edit.range.start)?);
        out.push_str(&edit.with);
        at = edit.range.end;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

/// What must be rewritten in `text`, parsed with `options`, for it to be
/// only text (see the module documentation); empty when nothing. `None`
/// when something cannot be rewritten in place.
fn rewrites(text: &str, options: Options, links: Links) -> Option<Vec<Edit>> {
    let mut broken: Vec<(Range<usize>, String)> = Vec::new();
    let mut edits = Vec::new();
    {
        let parser = Parser::new_with_broken_link_callback(
            text,
            options,
            Some(|link: BrokenLink<'_>| {
                broken.push((link.span, link.reference.to_string()));
                None
            }),
        );
        // A definition to anything but a web or mail address is made text:
        // the links that use it then refer to nothing, and become text in
        // the next round.
        for (_, definition) in parser.reference_definitions().iter() {
            if !safe_destination(&definition.dest, links) {
                let bracket =
                    definition.span.start + text.get(definition.span.clone())?.find('[')?;
                edits.push(Edit::insert(bracket, "\\"));
            }
        }
        // Inside a code block (its text is left alone) and inside links and
        // images (where rustdoc looks for no bare URL).
        let mut in_code = false;
        let mut in_link = 0usize;
        // The byte range of consecutive text, searched for bare URLs.
        let mut run: Option<Range<usize>> = None;
        let mut indented: Option<IndentedBlock> = None;
        for (event, range) in parser.into_offset_iter() {
            if let Event::Text(_) = &event {
                if in_code {
                    if let Some(block) = &mut indented {
                        block.line_starts.push(range.start);
                    }
                } else if in_link == 0 {
                    run = match run {
                        Some(previous) if previous.end == range.start => {
                            Some(previous.start..range.end)
                        }
                        previous => {
                            if let Some(previous) = previous {
                                bare_urls(text, previous, &mut edits);
                            }
                            Some(range.clone())
                        }
                    };
                }
                continue;
            }
            if let Some(previous) = run.take() {
                bare_urls(text, previous, &mut edits);
            }
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    in_code = true;
                    if &*info != "text" {
                        edits.push(retag_fence(text, range)?);
                    }
                }
                Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => {
                    in_code = true;
                    indented = Some(IndentedBlock {
                        range,
                        line_starts: Vec::new(),
                    });
                }
                Event::End(TagEnd::CodeBlock) => {
                    in_code = false;
                    if let Some(block) = indented.take() {
                        edits.extend(block.fenced(text)?);
                    }
                }
                Event::Html(_) | Event::InlineHtml(_) => {
                    let html = text.get(range.clone())?;
                    edits.extend(html.match_indices('<').map(|(i, _)| Edit {
                        range: range.start + i..range.start + i + 1,
                        with: "&lt;".to_owned(),
                    }));
                }
                Event::Start(Tag::Image { .. }) => {
                    in_link += 1;
                    // `![alt](url)` becomes the link `[alt](url)`, which
                    // the next round judges as any link.
                    if text.get(range.start..range.start + 1) != Some("!") {
                        return None;
                    }
                    edits.push(Edit {
                        range: range.start..range.start + 1,
                        with: String::new(),
                    });
                }
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    ..
                }) => {
                    in_link += 1;
                    // pulldown-cmark gives `<a@b.example>` without `mailto:`.
                    if link_type != LinkType::Email && !safe_destination(&dest_url, links) {
                        if let Some(edit) = neutralise_link(text, link_type, range)? {
                            edits.push(edit);
                        }
                    }
                }
                Event::End(TagEnd::Link | TagEnd::Image) => in_link = in_link.saturating_sub(1),
                _ => {}
            }
        }
        if let Some(previous) = run.take() {
            bare_urls(text, previous, &mut edits);
        }
    }
    // `[name]` that refers to nothing would be an intra-doc link to
    // rustdoc, a broken one unless it names an item: escaped, it is text.
    // In the generator's own text, ``[`Path::to::item`]`` is kept.
    for (span, reference) in broken {
        let item = links == Links::Items
            && reference
                .strip_prefix('`')
                .and_then(|r| r.strip_suffix('`'))
                .is_some_and(rust_path);
        if !item && text.get(span.start..span.start + 1) == Some("[") {
            edits.push(Edit::insert(span.start, "\\"));
        }
    }
    Some(edits)
}

/// Whether a link may lead to `destination`: web and mail addresses, and
/// with [`Links::Items`] Rust paths (intra-doc links); so never to
/// `javascript:`, `data:` or a file.
fn safe_destination(destination: &str, links: Links) -> bool {
    let lower = destination.trim().to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
        || (links == Links::Items && rust_path(destination))
}

/// Whether `text` is a Rust path (`url`, `Self::send`, `crate::types::Pet`),
/// possibly naming a function (`f()`) or macro (`m!`).
fn rust_path(text: &str) -> bool {
    let path = text
        .strip_suffix("()")
        .or_else(|| text.strip_suffix('!'))
        .unwrap_or(text);
    path.split("::").all(|segment| {
        segment.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The edit that makes the link at `range` text. Inline links get their
/// `[` escaped; autolinks their `<`; reference links need none, their
/// definition is escaped (see [`rewrites`]).
fn neutralise_link(text: &str, link_type: LinkType, range: Range<usize>) -> Option<Option<Edit>> {
    match link_type {
        LinkType::Inline => {
            if text.get(range.start..range.start + 1) != Some("[") {
                return None;
            }
            Some(Some(Edit::insert(range.start, "\\")))
        }
        LinkType::Autolink | LinkType::Email => {
            if text.get(range.start..range.start + 1) != Some("<") {
                return None;
            }
            Some(Some(Edit {
                range: range.start..range.start + 1,
                with: "&lt;".to_owned(),
            }))
        }
        LinkType::Reference
        | LinkType::Collapsed
        | LinkType::Shortcut
        | LinkType::ReferenceUnknown
        | LinkType::CollapsedUnknown
        | LinkType::ShortcutUnknown
        | LinkType::WikiLink { .. } => Some(None),
    }
}

/// The edit giving the fenced code block at `range` the info string
/// `text`: everything after its opening fence on the fence's line.
fn retag_fence(text: &str, range: Range<usize>) -> Option<Edit> {
    let block = text.get(range.clone())?;
    let c = block.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let fence = block.chars().take_while(|x| *x == c).count();
    let line_end = block.find('\n').unwrap_or(block.len());
    Some(Edit {
        range: range.start + fence..range.start + line_end,
        with: "text".to_owned(),
    })
}

/// An indented code block: its range and where each of its lines' text
/// starts (after the four spaces of indentation).
struct IndentedBlock {
    range: Range<usize>,
    line_starts: Vec<usize>,
}

impl IndentedBlock {
    /// The edits that make it a fenced `text` block at the column of its
    /// container (a list item or block quote, whose prefix the fences
    /// repeat), its lines without the four spaces that made them code.
    fn fenced(self, text: &str) -> Option<Vec<Edit>> {
        let start = self.range.start;
        let indent = start.checked_sub(4)?;
        let line_start = text[..indent].rfind('\n').map_or(0, |i| i + 1);
        // The container's prefix on the block's first line (`> `, `- `,
        // `1. `), and on the lines after it: list markers become spaces.
        let prefix = text.get(line_start..indent)?;
        let continued: String = prefix
            .chars()
            .map(|c| if c == '>' { '>' } else { ' ' })
            .collect();
        let block = text.get(self.range.clone())?;
        let longest = block.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        let fence = "`".repeat((longest + 1).max(3));
        let mut edits = vec![Edit {
            range: indent..start,
            with: format!("{fence}text\n{continued}"),
        }];
        for line in self.line_starts.into_iter().filter(|s| *s != start) {
            let spaces = line.checked_sub(4)?;
            // Only where the text starts a line: blank lines inside the
            // block come as text of their own.
            let own_line = text[..line].rfind('\n').map_or(0, |i| i + 1) <= spaces;
            if own_line && text.get(spaces..line) == Some("    ") {
                edits.push(Edit {
                    range: spaces..line,
                    with: String::new(),
                });
            }
        }
        let end = self.range.end;
        edits.push(if text[..end].ends_with('\n') {
            Edit::insert(end, format!("{continued}{fence}\n"))
        } else {
            Edit::insert(end, format!("\n{continued}{fence}"))
        });
        if text.get(indent..start) != Some("    ") {
            return None;
        }
        Some(edits)
    }
}

/// Edits putting each bare URL (`http://` or `https://` and what follows
/// up to a space or a character no URL ends with) in `text[run]` in
/// `<…>`, as rustdoc's `bare_urls` lint asks.
fn bare_urls(text: &str, run: Range<usize>, edits: &mut Vec<Edit>) {
    let Some(source) = text.get(run.clone()) else {
        return;
    };
    let lower = source.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find("http") {
        let start = from + found;
        let rest = &lower[start..];
        let scheme = if rest.starts_with("https://") {
            8
        } else if rest.starts_with("http://") {
            7
        } else {
            from = start + 4;
            continue;
        };
        let length = source[start..]
            .find(|c: char| !url_character(c))
            .unwrap_or(source.len() - start);
        let url = source[start..start + length]
            .trim_end_matches(['.', ',', ':', ';', '!', '?', '*', '\'']);
        from = start + length.max(scheme);
        if url.len() > scheme {
            edits.push(Edit::insert(run.start + start, "<"));
            edits.push(Edit::insert(run.start + start + url.len(), ">"));
        }
    }
}

/// Characters a bare URL is made of: those of rustdoc's `bare_urls` lint,
/// and a few more that URLs hold.
fn url_character(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '-' | '@'
                | ':'
                | '%'
                | '.'
                | '_'
                | '+'
                | '~'
                | '#'
                | '='
                | '?'
                | '&'
                | '/'
                | ';'
                | ','
                | '!'
                | '*'
                | '$'
                | '\''
        )
}

#[cfg(test)]
mod tests {
    use super::{doc_lines, option_sets, sanitise, Links};
    use pulldown_cmark::{CodeBlockKind, Event, LinkType, Parser, Tag};

    /// The documentation lines of text from the document.
    fn web_lines(text: &str) -> Vec<String> {
        doc_lines(text, Links::Web)
    }

    /// The text rustdoc reads from `lines`: `///` comments joined, less
    /// the one space each starts with.
    fn rustdoc_text(lines: &[String]) -> String {
        lines
            .iter()
            .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end_matches(' '))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// What rustdoc would run or render of `text`, under every option set:
    /// code blocks other than `text`, raw HTML, links other than web and
    /// mail addresses.
    fn hazards(text: &str) -> Vec<String> {
        let mut found = Vec::new();
        for options in option_sets() {
            for event in Parser::new_ext(text, options) {
                match event {
                    Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                        if &*info != "text" =>
                    {
                        found.push(format!("code block `{info}`"));
                    }
                    Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => {
                        found.push("indented code block".to_owned());
                    }
                    Event::Html(html) | Event::InlineHtml(html) => {
                        found.push(format!("HTML {html}"));
                    }
                    Event::Start(
                        Tag::Link {
                            link_type,
                            dest_url,
                            ..
                        }
                        | Tag::Image {
                            link_type,
                            dest_url,
                            ..
                        },
                    ) if link_type != LinkType::Email
                        && !super::safe_destination(&dest_url, Links::Web) =>
                    {
                        found.push(format!("link to {dest_url}"));
                    }
                    Event::Start(Tag::Image { .. }) => found.push("image".to_owned()),
                    _ => {}
                }
            }
        }
        found
    }

    #[test]
    fn doc_code_blocks_are_not_doctests() {
        let lines = web_lines("Example:\n```\nlet x = 1;\n```\n    indented\n```json\n{}\n```");
        assert_eq!(
            lines,
            [
                " Example:",
                " ```text",
                " let x = 1;",
                " ```",
                " indented",
                " ```text",
                " {}",
                " ```"
            ]
        );
        assert_eq!(
            web_lines("```\nunclosed"),
            [" ```text", " unclosed", " ```"]
        );
        // GitHub's lists put three spaces after `*`; continuation lines are
        // indented to the item's content, as clippy wants.
        assert_eq!(
            web_lines("**Notes:**\n*   GitHub renames asset\n  endpoint lists\n1.  one\n   more"),
            [
                " **Notes:**",
                " *   GitHub renames asset",
                "     endpoint lists",
                " 1.  one",
                "     more"
            ]
        );
        // zoom's documentation has tabs, which clippy refuses in docs.
        assert_eq!(
            web_lines("**Scope:** `read`\t<br>\n```\n\tcode\n```"),
            [
                " **Scope:** `read`    &lt;br>",
                " ```text",
                "     code",
                " ```"
            ]
        );
    }

    /// Every form of code block CommonMark knows comes out as a `text`
    /// block, its content kept.
    #[test]
    fn every_code_block_form_becomes_text() {
        let abort = "std::process::abort();";
        for text in [
            format!("~~~\n{abort}\n~~~"),
            format!("~~~~rust\n{abort}\n~~~~"),
            format!("````rust,ignore\n{abort}\n````"),
            format!("```should_panic\n{abort}\n```"),
            format!("```no_run\n{abort}\n```"),
            format!("```compile_fail\n{abort}\n```"),
            format!("```edition2021\n{abort}\n```"),
            format!("``` rust\n{abort}\n```"),
            format!("   ```\n   {abort}\n   ```"),
            format!("> quoted:\n> ```rust\n> {abort}\n> ```"),
            format!("> ~~~\n> {abort}\n> ~~~"),
            format!("> quoted:\n>\n>     {abort}"),
            format!("> > ```\n> > {abort}\n> > ```"),
            format!("- item\n\n  ```\n  {abort}\n  ```"),
            format!("1. item\n\n   ~~~rust\n   {abort}\n   ~~~"),
            format!("- ```\n  {abort}\n  ```"),
            format!("- > ```\n  > {abort}\n  > ```"),
            format!("text\n\n    {abort}\n\n    more"),
            format!("~~~rust\n{abort}"),
            format!("> ```rust\n> {abort}"),
            format!("Note[^1].\n\n[^1]: See:\n\n    ```rust\n    {abort}\n    ```"),
            format!("<div>\n```rust\n{abort}\n```\n</div>"),
            format!("<pre>\n```rust\n{abort}\n```\n</pre>"),
        ] {
            let lines = web_lines(&text);
            let seen = rustdoc_text(&lines);
            assert_eq!(
                hazards(&seen),
                Vec::<String>::new(),
                "{text:?} became {seen:?}"
            );
            assert!(seen.contains(abort), "{text:?} lost its code: {seen:?}");
        }
    }

    /// An indented code block in a block quote becomes a fenced block in
    /// the quote, its lines without the indentation.
    #[test]
    fn indented_code_in_a_quote_is_fenced_in_the_quote() {
        let lines = web_lines("> Example:\n>\n>     let x = 1;\n>       y();\n\nafter");
        assert_eq!(
            lines,
            [
                " > Example:",
                " >",
                " > ```text",
                " > let x = 1;",
                " >   y();",
                " > ```",
                "",
                " after"
            ]
        );
    }

    /// HTML in every form is escaped, and shown as the text it was.
    #[test]
    fn html_is_escaped() {
        for html in [
            "<script>alert(1)</script>",
            "a <img src=x onerror=alert(1)> b",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<!-- a comment -->",
            "<div onclick=\"x()\">\n\nblock\n\n</div>",
            "> <script>quoted()</script>",
            "- <b>item</b>",
            "List<String>",
        ] {
            let seen = rustdoc_text(&web_lines(html));
            assert_eq!(
                hazards(&seen),
                Vec::<String>::new(),
                "{html:?} became {seen:?}"
            );
            assert!(!seen.contains("<s") && !seen.contains("<i"), "{seen:?}");
        }
        assert_eq!(
            web_lines("a <b>bold</b> claim"),
            [" a &lt;b>bold&lt;/b> claim"]
        );
    }

    /// Links lead only to web and mail addresses; images become links;
    /// bare URLs are put in `<…>`; references to nothing are text.
    #[test]
    fn links_are_to_web_addresses_only() {
        assert_eq!(
            web_lines("[x](javascript:alert(1)) and [y](https://h/y)"),
            [" \\[x](javascript:alert(1)) and [y](https://h/y)"]
        );
        assert_eq!(
            web_lines("<javascript:alert(1)> <https://h/a> <a@b.example>"),
            [" &lt;javascript:alert(1)> <https://h/a> <a@b.example>"]
        );
        assert_eq!(
            web_lines("[click][evil]\n\n[evil]: javascript:alert(1)"),
            [" \\[click]\\[evil]", "", " \\[evil]: javascript:alert(1)"]
        );
        assert_eq!(
            web_lines("![pixel](https://tracker.example/p.png)"),
            [" [pixel](https://tracker.example/p.png)"]
        );
        assert_eq!(
            web_lines("See https://docs.example.com/a?b=1. Or [Pet]."),
            [" See <https://docs.example.com/a?b=1>. Or \\[Pet]."]
        );
        // Intra-doc links from the document are text (rustdoc would look
        // for the items); in the generator's own text they stay links.
        let text = "Pass [`url`] or [`send`](Self::send), not [x](a:b) [Pet].";
        assert_eq!(
            web_lines(text),
            [" Pass \\[`url`] or \\[`send`](Self::send), not \\[x](a:b) \\[Pet]."]
        );
        assert_eq!(
            doc_lines(text, Links::Items),
            [" Pass [`url`] or [`send`](Self::send), not \\[x](a:b) \\[Pet]."]
        );
        for text in [
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](JAVASCRIPT:alert(1))",
            "[x]( javascript:alert(1) )",
            "![x](javascript:alert(1))",
            "[![x](https://h/i.png)](javascript:alert(1))",
            "[x](Client::builder)",
        ] {
            let seen = rustdoc_text(&web_lines(text));
            assert_eq!(
                hazards(&seen),
                Vec::<String>::new(),
                "{text:?} became {seen:?}"
            );
        }
    }

    /// Text that does not settle is shown whole in a `text` block fenced
    /// longer than any backtick run in it.
    #[test]
    fn the_fallback_is_one_text_block() {
        let text = "a ```` b\n```rust\nx\n```";
        let fenced = super::fenced_as_text(text);
        assert!(fenced.starts_with("`````text\n") && fenced.ends_with("\n`````"));
        assert_eq!(hazards(&fenced), Vec::<String>::new());
        // Plain text is not parsed at all, and comes out as it was.
        assert_eq!(
            sanitise("a plain description", Links::Web),
            "a plain description"
        );
    }

    /// Carriage returns end lines rather than reaching `///` comments.
    #[test]
    fn carriage_returns_end_lines() {
        assert_eq!(web_lines("a\r\nb\rc"), [" a", " b", " c"]);
    }
}
