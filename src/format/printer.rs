//! The writer under the formatter: indentation, line ends, blank lines, and the
//! comment cursor.
//!
//! Comments are not in the tree, so the printer walks the file's sorted trivia
//! alongside it. A cursor points at the first comment not yet printed; every way of
//! printing a comment advances it, so no comment can be printed twice, and
//! [`Printer::finish`] prints whatever is left and asserts that the cursor reached the
//! end. Comments come out in three ways:
//!
//! - **own line** ([`Printer::boundary`], [`Printer::close_block`]): before an item,
//!   field, attribute, entry, element, arm or step of a multi-line block, and before
//!   its closing bracket, every comment that starts before it goes on a line of its
//!   own at the block's indentation;
//! - **trailing** ([`Printer::end_line`]): when a line of output ends, the comments
//!   that followed its last token on the same source line, and those left behind
//!   inside the code just printed, go at the end of the line, after one space. A line
//!   or doc comment runs to the end of its line, so it is the last one placed there;
//!   the rest wait for the next boundary;
//! - **inline** ([`Printer::inline_comments`]): a block comment on one line, met
//!   before a name, an expression, a type or a string, or before a closing bracket
//!   of a sequence written on one line, is written where it stood.
//!
//! Blank lines are decided by the source: a blank line is printed before an
//! own-line comment or an item when the source had one between it and the previous
//! line's last token or comment, except right after an opening bracket.

use crate::syntax::ast::{Comment, CommentKind};
use crate::syntax::span::Span;

/// Two spaces per level.
const INDENT: &str = "  ";

/// How a bracketed sequence is written: its brackets, whether single-line forms
/// have a space inside the brackets, and what ends each element written one per line.
pub(super) struct Brackets {
    pub open: &'static str,
    pub close: &'static str,
    pub pad: bool,
    pub separator: &'static str,
}

/// Blocks of items, fields, attributes, map entries and steps: `{ a = 1, b = 2 }`.
pub(super) const BLOCK: Brackets = Brackets {
    open: "{",
    close: "}",
    pad: true,
    separator: "",
};

/// Match arms: like a block, but every arm written on its own line ends with `,`.
pub(super) const ARMS: Brackets = Brackets {
    open: "{",
    close: "}",
    pad: true,
    separator: ",",
};

/// List elements: `[1, 2]`, and a trailing comma when one per line.
pub(super) const LIST: Brackets = Brackets {
    open: "[",
    close: "]",
    pad: false,
    separator: ",",
};

pub(super) struct Printer<'a> {
    src: &'a str,
    comments: &'a [Comment],
    /// The first comment not yet printed.
    next_comment: usize,
    out: String,
    indent: usize,
    /// Nothing has been written on the current output line yet.
    at_line_start: bool,
    /// The source end of the last token or comment that ended an output line; blank
    /// lines in the source after it are what decides a blank line in the output.
    last_end: u32,
    /// Right after an opening bracket (or at the start of the file): no blank line.
    block_start: bool,
    /// Between top-level items: a blank line whatever the source had.
    force_blank: bool,
}

impl<'a> Printer<'a> {
    pub(super) fn new(src: &'a str, comments: &'a [Comment]) -> Printer<'a> {
        Printer {
            src,
            comments,
            next_comment: 0,
            out: String::with_capacity(src.len() + src.len() / 8),
            indent: 0,
            at_line_start: true,
            last_end: 0,
            block_start: true,
            force_blank: false,
        }
    }

    /// Prints the comments left after the last item and returns the text, which ends
    /// with exactly one newline (or is empty when the file had nothing in it).
    pub(super) fn finish(mut self) -> String {
        self.flush_own_line(u32::MAX);
        debug_assert!(self.at_line_start, "the last item ended its line");
        debug_assert_eq!(
            self.next_comment,
            self.comments.len(),
            "every comment is printed exactly once"
        );
        let len = self.out.trim_end_matches('\n').len();
        self.out.truncate(len);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out
    }

    /// The source text of `span` ("" if it is out of range, which no parsed span is).
    pub(super) fn source(&self, span: Span) -> &'a str {
        self.src.get(span.range()).unwrap_or("")
    }

    pub(super) fn write(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.at_line_start {
            for _ in 0..self.indent {
                self.out.push_str(INDENT);
            }
            self.at_line_start = false;
        }
        self.out.push_str(text);
    }

    fn newline(&mut self) {
        let len = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(len);
        self.out.push('\n');
        self.at_line_start = true;
    }

    fn blank_line(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    /// The next top-level item is set off by a blank line.
    pub(super) fn force_blank_line(&mut self) {
        self.force_blank = true;
    }

    fn peek(&self) -> Option<&'a Comment> {
        self.comments.get(self.next_comment)
    }

    /// Whether a comment not yet printed starts before `pos`.
    pub(super) fn has_comments_before(&self, pos: u32) -> bool {
        self.peek().is_some_and(|c| c.span.start < pos)
    }

    /// Takes the next comment and gives its canonical text: line and doc comments
    /// without trailing whitespace; block comments as written, with `\n` line ends
    /// and no trailing whitespace on their lines.
    fn take_comment(&mut self) -> (String, &'a Comment) {
        let c = &self.comments[self.next_comment];
        self.next_comment += 1;
        let raw = self.source(c.span);
        let text = match c.kind {
            CommentKind::Line | CommentKind::Doc => raw.trim_end().to_string(),
            CommentKind::Block => raw
                .replace("\r\n", "\n")
                .split('\n')
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n"),
        };
        (text, c)
    }

    fn newlines_between(&self, from: u32, to: u32) -> usize {
        let bytes = self.src.as_bytes();
        let to = (to as usize).min(bytes.len());
        let from = (from as usize).min(to);
        bytes[from..to].iter().filter(|&&b| b == b'\n').count()
    }

    /// Starts an own-line element at `pos`, after a blank line when one is due.
    fn separate(&mut self, pos: u32) {
        debug_assert!(self.at_line_start, "own-line elements start a line");
        let blank_in_source = self.newlines_between(self.last_end, pos) >= 2;
        if self.force_blank || (!self.block_start && blank_in_source) {
            self.blank_line();
        }
        self.force_blank = false;
        self.block_start = false;
    }

    /// Prints, each on its own line, the comments that start before `pos`.
    pub(super) fn flush_own_line(&mut self, pos: u32) {
        while self.has_comments_before(pos) {
            self.flush_one_own_line();
        }
    }

    fn flush_one_own_line(&mut self) {
        let start = self.comments[self.next_comment].span.start;
        self.separate(start);
        let (text, c) = self.take_comment();
        self.write(&text);
        self.newline();
        self.last_end = self.last_end.max(c.span.end);
    }

    /// Prepares the line of an element that starts at `start` in the source: its
    /// leading comments on their own lines, then a blank line if the source had one,
    /// then the block comments that stood on the element's own line, before it.
    pub(super) fn boundary(&mut self, start: u32) {
        while let Some(c) = self.peek()
            && c.span.start < start
        {
            if c.kind == CommentKind::Block && self.newlines_between(c.span.start, start) == 0 {
                break;
            }
            self.flush_one_own_line();
        }
        self.separate(start);
        self.inline_comments(start);
    }

    /// Ends the current output line, whose last token ended at `code_end` in the
    /// source, with the comments that belong at its end; `next` is where the code
    /// printed next starts, and no comment after it can come first.
    pub(super) fn end_line(&mut self, code_end: u32, next: u32) {
        let mut prev = code_end;
        while let Some(c) = self.peek()
            && c.span.start < next
        {
            let inside = c.span.start < code_end;
            if !inside && self.newlines_between(prev, c.span.start) > 0 {
                break;
            }
            let (text, c) = self.take_comment();
            self.write(" ");
            self.write(&text);
            prev = prev.max(c.span.end);
            if c.kind != CommentKind::Block {
                break;
            }
        }
        self.last_end = self.last_end.max(prev);
        self.newline();
    }

    /// The next comment, if it starts before `pos` and can be written in the middle
    /// of a line: a block comment on one line. A comment over several lines would
    /// make the bracketed sequence around it multi-line when read again, and a line
    /// comment must end its line, so they (and the comments after them) wait for the
    /// end of the line or the next boundary.
    fn next_inline(&self, pos: u32) -> Option<&'a Comment> {
        self.peek().filter(|c| {
            c.kind == CommentKind::Block
                && c.span.start < pos
                && self.newlines_between(c.span.start, c.span.end) == 0
        })
    }

    /// Writes the one-line block comments met before `pos`, each followed by a space.
    pub(super) fn inline_comments(&mut self, pos: u32) {
        while self.next_inline(pos).is_some() {
            let (text, _) = self.take_comment();
            self.write(&text);
            self.write(" ");
        }
    }

    /// Writes the one-line block comments met before a closing bracket at `pos`, each
    /// after a space (except, when `space_first` is false, the first). Says whether it wrote.
    pub(super) fn inline_comments_before_close(&mut self, pos: u32, space_first: bool) -> bool {
        let mut wrote = false;
        while self.next_inline(pos).is_some() {
            let (text, _) = self.take_comment();
            if wrote || space_first {
                self.write(" ");
            }
            self.write(&text);
            wrote = true;
        }
        wrote
    }

    /// The position of the first `ch` at or after `from` that is not in a comment.
    /// Callers start where only whitespace and comments stand before the bracket.
    pub(super) fn find_open(&self, from: u32, ch: u8) -> u32 {
        let bytes = self.src.as_bytes();
        let mut i = from as usize;
        let mut ci = self
            .comments
            .partition_point(|c| (c.span.end as usize) <= i);
        while i < bytes.len() {
            if let Some(c) = self.comments.get(ci)
                && (c.span.start as usize) <= i
            {
                i = c.span.end as usize;
                ci += 1;
                continue;
            }
            if bytes[i] == ch {
                return i as u32;
            }
            i += 1;
        }
        debug_assert!(false, "no `{}` after byte {from}", ch as char);
        from
    }

    /// Whether the source between two positions runs over more than one line.
    pub(super) fn spans_lines(&self, from: u32, to: u32) -> bool {
        self.newlines_between(from, to) > 0
    }

    /// Writes a bracketed sequence whose brackets stand at `open` and `close` in the
    /// source: on one line (`[a, b]`, `{ a, b }`) unless `multiline`, and then one
    /// element per line, each ending with the separator. An empty sequence with no
    /// comment inside is `[]` or `{}` either way.
    #[allow(
        clippy::too_many_arguments,
        reason = "where the brackets are, what is between them, and how to print it"
    )]
    pub(super) fn seq<T>(
        &mut self,
        open: u32,
        close: u32,
        items: &[T],
        multiline: bool,
        brackets: &Brackets,
        span: impl Fn(&T) -> Span,
        mut print: impl FnMut(&mut Self, &T),
    ) {
        self.write(brackets.open);
        if multiline && (!items.is_empty() || self.has_comments_before(close)) {
            let next_start = |i: usize| items.get(i).map_or(close, |x| span(x).start);
            self.end_line(open + 1, next_start(0));
            self.indent += 1;
            self.block_start = true;
            for (i, item) in items.iter().enumerate() {
                let sp = span(item);
                self.boundary(sp.start);
                print(self, item);
                self.write(brackets.separator);
                self.end_line(sp.end, next_start(i + 1));
            }
            self.close_block(close);
        } else {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.write(", ");
                } else if brackets.pad {
                    self.write(" ");
                }
                self.inline_comments(span(item).start);
                print(self, item);
            }
            let space_first = brackets.pad || !items.is_empty();
            let wrote = self.inline_comments_before_close(close, space_first);
            if brackets.pad && (wrote || !items.is_empty()) {
                self.write(" ");
            }
        }
        self.write(brackets.close);
    }

    /// Prints the comments before a block's closing bracket at `close`, inside the
    /// block, and returns to the enclosing indentation.
    fn close_block(&mut self, close: u32) {
        self.flush_own_line(close);
        self.indent -= 1;
        self.block_start = false;
        self.last_end = self.last_end.max(close);
    }
}
