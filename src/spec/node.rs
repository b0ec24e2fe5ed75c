//! The spec file as a tree: YAML (or JSON, read as YAML 1.2) to owned [`SpecNode`]s
//! with byte spans, built from `saphyr-parser`'s event stream.
//!
//! Building the tree ourselves, rather than through a YAML library's document type,
//! is what lets every hazard become a diagnostic: scalars are resolved by the YAML
//! 1.2 core schema (`no` and `on` are strings) and remember whether they were plain;
//! a key given twice is reported with both places; aliases are expanded by copying,
//! against a budget of nodes, so an alias bomb is an error instead of an
//! out-of-memory; nesting is capped so every recursive pass over the tree is
//! bounded. The event parser itself keeps its state on the heap, so deep input
//! cannot overflow its stack either.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

use crate::diagnostics::{Diagnostic, codes};
use crate::syntax::span::{FileId, Span};

/// The deepest nesting of sequences and mappings a spec may have. Proton specs are
/// four levels deep before the inputs' own values start.
pub const MAX_SPEC_DEPTH: usize = 64;

/// The most values (scalars, sequences and mappings, aliases counted as what they
/// expand to) one spec may hold: a 5,000-instance service is about 150,000. The
/// messages say "a million": keep them in step.
pub const MAX_SPEC_NODES: usize = 1_000_000;

/// The most text (scalar bytes, aliases counted as what they expand to) one spec may
/// hold: four times the largest file, so only aliases can reach it.
pub const MAX_SPEC_TEXT_BYTES: usize = 256 << 20;

/// The most errors of one kind reported for one spec before giving up on the rest.
const MAX_ERRORS: usize = 100;

/// One value of a spec file, with the byte span it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecNode {
    pub kind: NodeKind,
    pub span: Span,
    /// A plain (unquoted, untagged) scalar: `no` written bare, which YAML 1.1 would
    /// have read as a boolean, rather than `"no"`.
    pub plain: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<SpecNode>),
    Map(Vec<MapEntry>),
    /// A value already reported as wrong (a number too large): accepted wherever
    /// it is used, so one mistake gives one error.
    Invalid,
}

/// One `key: value` of a mapping. Keys are the key scalar's text.
#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    pub key: String,
    pub key_span: Span,
    pub value: SpecNode,
}

impl SpecNode {
    /// An empty mapping at `span`: the inputs of an instance with no `spec:`.
    pub fn empty_map(span: Span) -> SpecNode {
        SpecNode {
            kind: NodeKind::Map(Vec::new()),
            span,
            plain: false,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn entries(&self) -> Option<&[MapEntry]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value under `key`, when this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&MapEntry> {
        self.entries()?.iter().find(|e| e.key == key)
    }

    /// What kind of value this is, in a message: "a string", "an integer".
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a decimal number",
            NodeKind::Str(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
            NodeKind::Invalid => "an invalid value",
        }
    }
}

/// Which syntax a spec is written in. JSON is read as YAML (it is YAML 1.2), after a
/// strict JSON check that gives JSON's own errors (a trailing comma, a comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecSyntax {
    Yaml,
    Json,
}

impl SpecSyntax {
    /// JSON when the first character that is not white space opens an object or array.
    pub fn detect(text: &str) -> SpecSyntax {
        match text
            .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
            .chars()
            .next()
        {
            Some('{' | '[') => SpecSyntax::Json,
            _ => SpecSyntax::Yaml,
        }
    }
}

/// Reads `text` into a tree. `None` when it cannot be read at all (a syntax error or
/// a limit); diagnostics for what was read but wrong (a duplicate key, a number too
/// large) come with the tree.
pub fn read_tree(
    file: FileId,
    text: &str,
    syntax: SpecSyntax,
) -> (Option<SpecNode>, Vec<Diagnostic>) {
    let offsets = Offsets::new(text);
    if syntax == SpecSyntax::Json
        && let Some(d) = json_error(file, text, &offsets)
    {
        return (None, vec![d]);
    }
    let mut b = Builder {
        file,
        offsets: &offsets,
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        documents: 0,
        nodes: 0,
        bytes: 0,
        aliased: false,
        diags: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let step = match event {
            Ok((ev, span)) => {
                let span = offsets.span(file, span.start.index(), span.end.index());
                b.event(ev, span)
            }
            Err(e) => Err(b.scan_error(text, &e)),
        };
        if let Err(fatal) = step {
            b.diags.push(fatal);
            return (None, b.diags);
        }
    }
    (b.root, b.diags)
}

/// Converts the parser's character offsets to byte offsets. ASCII text (nearly
/// every spec) needs no table; otherwise a checkpoint every 64 characters bounds the
/// walk.
struct Offsets<'t> {
    text: &'t str,
    checkpoints: Option<Vec<u32>>,
}

const CHECKPOINT_EVERY: usize = 64;

impl<'t> Offsets<'t> {
    fn new(text: &'t str) -> Offsets<'t> {
        let checkpoints = (!text.is_ascii()).then(|| {
            text.char_indices()
                .step_by(CHECKPOINT_EVERY)
                .map(|(i, _)| i as u32)
                .collect()
        });
        Offsets { text, checkpoints }
    }

    fn byte(&self, char_index: usize) -> usize {
        let Some(table) = &self.checkpoints else {
            return char_index.min(self.text.len());
        };
        let Some(&base) = table.get(char_index / CHECKPOINT_EVERY) else {
            return self.text.len();
        };
        let base = base as usize;
        let rest = char_index % CHECKPOINT_EVERY;
        match self
            .text
            .get(base..)
            .and_then(|t| t.char_indices().nth(rest))
        {
            Some((i, _)) => base + i,
            None => self.text.len(),
        }
    }

    fn span(&self, file: FileId, start: usize, end: usize) -> Span {
        Span::new(file, self.byte(start), self.byte(end))
    }

    /// The span of the character at byte `at` (empty at the end of the text).
    fn char_span(&self, file: FileId, at: usize) -> Span {
        let at = at.min(self.text.len());
        let len = self
            .text
            .get(at..)
            .and_then(|t| t.chars().next())
            .map_or(0, char::len_utf8);
        Span::new(file, at, at + len)
    }
}

/// A collection being built.
enum Frame {
    Seq {
        start: Span,
        anchor: usize,
        first_node: usize,
        items: Vec<SpecNode>,
    },
    Map {
        start: Span,
        anchor: usize,
        first_node: usize,
        entries: Vec<MapEntry>,
        /// Keys seen, once the mapping is large enough for a linear scan to cost.
        index: Option<HashMap<String, usize>>,
        key: Option<(String, Span)>,
        /// Values of `<<` merge keys, merged when the mapping ends.
        merges: Vec<SpecNode>,
        /// The pending key is a merge key.
        merging: bool,
    },
}

/// Mappings with more keys than this index their keys for the duplicate check.
const LINEAR_KEY_SCAN: usize = 16;

struct Builder<'o, 't> {
    file: FileId,
    offsets: &'o Offsets<'t>,
    stack: Vec<Frame>,
    /// Anchored nodes, and how many nodes and bytes of text each holds, to charge
    /// their aliases.
    anchors: HashMap<usize, (SpecNode, usize, usize)>,
    root: Option<SpecNode>,
    documents: usize,
    nodes: usize,
    /// Scalar text read so far, aliases expanded.
    bytes: usize,
    aliased: bool,
    diags: Vec<Diagnostic>,
}

/// An error after which the rest of the file is not read. Unboxed: it happens at
/// most once per file, so the size of the `Err` does not matter (hence the
/// `result_large_err` allowances).
type Fatal = Diagnostic;

/// A core-schema tag on a scalar (`!!str`), which forces its type.
#[derive(Clone, Copy, PartialEq)]
enum Forced {
    Str,
    Int,
    Float,
    Bool,
    Null,
}

#[allow(clippy::result_large_err)]
impl Builder<'_, '_> {
    fn event(&mut self, ev: Event<'_>, span: Span) -> Result<(), Fatal> {
        match ev {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(Diagnostic::new(
                        codes::SPEC_SYNTAX,
                        "a spec file holds one YAML document",
                    )
                    .with_primary(span, "a second document starts here")
                    .with_help("put each environment or service in its own file"));
                }
                Ok(())
            }
            Event::Scalar(value, style, anchor, tag) => {
                let forced = match tag {
                    None => None,
                    Some(t) => Some(self.forced(&t, span)?),
                };
                self.count(span)?;
                self.bytes = self.bytes.saturating_add(value.len());
                if self.is_key_position() {
                    if forced.is_some_and(|f| f != Forced::Str) {
                        return Err(unsupported_tag("a key", span));
                    }
                    if anchor > 0 {
                        let node = SpecNode {
                            kind: NodeKind::Str(value.to_string()),
                            span,
                            plain: false,
                        };
                        self.anchors.insert(anchor, (node, 1, value.len()));
                    }
                    self.set_key(value.into_owned(), span, style == ScalarStyle::Plain);
                    return Ok(());
                }
                let len = value.len();
                let node = self.scalar(value.into_owned(), style, forced, span);
                if anchor > 0 {
                    self.anchors.insert(anchor, (node.clone(), 1, len));
                }
                self.push_value(node);
                Ok(())
            }
            Event::SequenceStart(anchor, tag) => {
                self.collection_start(tag.as_deref(), "seq", span)?;
                self.stack.push(Frame::Seq {
                    start: span,
                    anchor,
                    first_node: self.nodes,
                    items: Vec::new(),
                });
                Ok(())
            }
            Event::MappingStart(anchor, tag) => {
                self.collection_start(tag.as_deref(), "map", span)?;
                self.stack.push(Frame::Map {
                    start: span,
                    anchor,
                    first_node: self.nodes,
                    entries: Vec::new(),
                    index: None,
                    key: None,
                    merges: Vec::new(),
                    merging: false,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => self.collection_end(span),
            Event::Alias(id) => self.alias(id, span),
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => Ok(()),
        }
    }

    fn forced(&self, tag: &saphyr_parser::Tag, span: Span) -> Result<Forced, Fatal> {
        let shown = tag.to_string();
        if !tag.is_yaml_core_schema() {
            return Err(unsupported_tag(&format!("`{shown}`"), span));
        }
        Ok(match tag.suffix.as_str() {
            "str" => Forced::Str,
            "int" => Forced::Int,
            "float" => Forced::Float,
            "bool" => Forced::Bool,
            "null" => Forced::Null,
            _ => return Err(unsupported_tag(&format!("`{shown}` on a scalar"), span)),
        })
    }

    fn collection_start(
        &mut self,
        tag: Option<&saphyr_parser::Tag>,
        kind: &str,
        span: Span,
    ) -> Result<(), Fatal> {
        if let Some(t) = tag
            && !(t.is_yaml_core_schema() && t.suffix == kind)
        {
            return Err(unsupported_tag(&format!("`{t}`"), span));
        }
        if self.is_key_position() {
            return Err(
                Diagnostic::new(codes::SPEC_SYNTAX, "a mapping key that is not a string")
                    .with_primary(span, "a list or mapping used as a key")
                    .with_help("keys in a spec file are names: write a plain string"),
            );
        }
        self.count(span)?;
        if self.stack.len() >= MAX_SPEC_DEPTH {
            return Err(Diagnostic::new(
                codes::SPEC_TOO_DEEP,
                format!("values nested more than {MAX_SPEC_DEPTH} levels deep"),
            )
            .with_primary(span, "this value is too deep")
            .with_help("flatten the value: inputs rarely need more than a few levels"));
        }
        Ok(())
    }

    fn collection_end(&mut self, end: Span) -> Result<(), Fatal> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (node, anchor, first_node) = match frame {
            Frame::Seq {
                start,
                anchor,
                first_node,
                items,
            } => {
                let last = items.last().map_or(start.end, |n| n.span.end);
                let span = closing_span(start, last, end);
                let node = SpecNode {
                    kind: NodeKind::Seq(items),
                    span,
                    plain: false,
                };
                (node, anchor, first_node)
            }
            Frame::Map {
                start,
                anchor,
                first_node,
                mut entries,
                merges,
                key,
                ..
            } => {
                let last = entries.last().map_or(start.end, |e| e.value.span.end);
                let last = key.map_or(last, |(_, s)| last.max(s.end));
                let span = closing_span(start, last, end);
                merge_into(&mut entries, merges);
                let node = SpecNode {
                    kind: NodeKind::Map(entries),
                    span,
                    plain: false,
                };
                (node, anchor, first_node)
            }
        };
        if anchor > 0 {
            let size = self.nodes - first_node;
            let bytes = text_bytes(&node);
            self.anchors.insert(anchor, (node.clone(), size, bytes));
        }
        self.push_value(node);
        Ok(())
    }

    fn alias(&mut self, id: usize, span: Span) -> Result<(), Fatal> {
        let Some((node, size, bytes)) = self.anchors.get(&id) else {
            // The parser reports unknown anchors itself; this is a safety net.
            return Err(
                Diagnostic::new(codes::SPEC_SYNTAX, "alias of an unknown anchor")
                    .with_primary(span, "no `&anchor` before this alias"),
            );
        };
        self.aliased = true;
        self.nodes = self.nodes.saturating_add(*size);
        self.bytes = self.bytes.saturating_add(*bytes);
        self.check_budget(span)?;
        if self.bytes > MAX_SPEC_TEXT_BYTES {
            return Err(Diagnostic::new(
                codes::ALIAS_EXPANSION_TOO_LARGE,
                format!(
                    "YAML aliases expand this spec to more than {} MiB of text",
                    MAX_SPEC_TEXT_BYTES >> 20
                ),
            )
            .with_primary(span, "the limit is reached at this alias")
            .with_help(
                "write the values out, or share fewer of them through `&anchor` and `*alias`",
            ));
        }
        if self.is_key_position() {
            let NodeKind::Str(key) = &node.kind else {
                return Err(Diagnostic::new(
                    codes::SPEC_SYNTAX,
                    "a mapping key that is not a string",
                )
                .with_primary(span, "this alias is a list or mapping, used as a key"));
            };
            let key = key.clone();
            self.set_key(key, span, false);
            return Ok(());
        }
        let mut node = node.clone();
        // The copy keeps the anchor's inner spans (that is where its values are
        // written) but is itself here.
        node.span = span;
        self.push_value(node);
        Ok(())
    }

    fn is_key_position(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn set_key(&mut self, text: String, span: Span, plain: bool) {
        if let Some(Frame::Map { key, merging, .. }) = self.stack.last_mut() {
            // A plain `<<` is YAML's merge key: its value is merged when the mapping
            // ends.
            *merging = plain && text == "<<";
            *key = Some((text, span));
        }
    }

    fn count(&mut self, span: Span) -> Result<(), Fatal> {
        self.nodes += 1;
        self.check_budget(span)
    }

    fn check_budget(&self, span: Span) -> Result<(), Fatal> {
        if self.nodes <= MAX_SPEC_NODES {
            return Ok(());
        }
        Err(if self.aliased {
            Diagnostic::new(
                codes::ALIAS_EXPANSION_TOO_LARGE,
                "YAML aliases expand this spec to more than a million values",
            )
            .with_primary(span, "the limit is reached at this alias")
            .with_help(
                "write the values out, or share fewer of them through `&anchor` and `*alias`",
            )
        } else {
            Diagnostic::new(codes::SPEC_TOO_LARGE, "spec has more than a million values")
                .with_primary(span, "the limit is reached here")
                .with_help("split the spec into several files")
        })
    }

    fn push_value(&mut self, node: SpecNode) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                index,
                key,
                merges,
                merging,
                ..
            }) => {
                let Some((key, key_span)) = key.take() else {
                    return;
                };
                if std::mem::take(merging) {
                    merges.push(node);
                    return;
                }
                let first = match index {
                    Some(ix) => ix.get(&key).map(|&i| entries[i].key_span),
                    None => entries.iter().find(|e| e.key == key).map(|e| e.key_span),
                };
                if let Some(first) = first {
                    if self.diags.len() < MAX_ERRORS {
                        self.diags.push(
                            Diagnostic::new(
                                codes::DUPLICATE_SPEC_KEY,
                                format!("key `{key}` is given twice"),
                            )
                            .with_primary(key_span, "given again here")
                            .with_secondary(first, "first given here")
                            .with_help(
                                "keep one of the two: YAML tools disagree on which one wins",
                            ),
                        );
                    }
                    return;
                }
                if let Some(ix) = index {
                    ix.insert(key.clone(), entries.len());
                } else if entries.len() >= LINEAR_KEY_SCAN {
                    let mut ix: HashMap<String, usize> = entries
                        .iter()
                        .enumerate()
                        .map(|(i, e)| (e.key.clone(), i))
                        .collect();
                    ix.insert(key.clone(), entries.len());
                    *index = Some(ix);
                }
                entries.push(MapEntry {
                    key,
                    key_span,
                    value: node,
                });
            }
        }
    }

    fn scalar(
        &mut self,
        value: String,
        style: ScalarStyle,
        forced: Option<Forced>,
        span: Span,
    ) -> SpecNode {
        let plain = style == ScalarStyle::Plain && forced.is_none();
        let kind = match forced {
            Some(Forced::Str) => NodeKind::Str(value),
            None if style != ScalarStyle::Plain => NodeKind::Str(value),
            _ => match resolve_plain(value) {
                Resolved::Kind(k) => match (forced, k) {
                    (None, k)
                    | (Some(Forced::Int), k @ NodeKind::Int(_))
                    | (Some(Forced::Float), k @ NodeKind::Float(_))
                    | (Some(Forced::Bool), k @ NodeKind::Bool(_))
                    | (Some(Forced::Null), k @ NodeKind::Null) => k,
                    (Some(Forced::Float), NodeKind::Int(i)) => NodeKind::Float(i as f64),
                    (Some(_), k) => {
                        let what = SpecNode {
                            kind: k,
                            span,
                            plain,
                        }
                        .describe();
                        self.diags.push(
                            Diagnostic::new(
                                codes::SPEC_SYNTAX,
                                format!("{what} tagged with another type"),
                            )
                            .with_primary(span, "the tag names another type")
                            .with_help("remove the tag"),
                        );
                        NodeKind::Invalid
                    }
                },
                Resolved::TooLarge(value) => {
                    if self.diags.len() < MAX_ERRORS {
                        self.diags.push(number_too_large(&value, span));
                    }
                    NodeKind::Invalid
                }
            },
        };
        SpecNode { kind, span, plain }
    }

    fn scan_error(&self, text: &str, e: &ScanError) -> Diagnostic {
        let at = self.offsets.byte(e.marker().index());
        let span = self.offsets.char_span(self.file, at);
        syntax_error(e.info(), span, text, at)
    }
}

fn unsupported_tag(what: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        codes::SPEC_SYNTAX,
        format!("unsupported YAML tag on {what}"),
    )
    .with_primary(
        span,
        "spec files use no tags but `!!str`, `!!int`, `!!float`, `!!bool` and `!!null`",
    )
    .with_help("remove the tag; to make a value a string, quote it")
}

fn number_too_large(text: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        codes::SPEC_NUMBER_TOO_LARGE,
        format!("number `{text}` is too large"),
    )
    .with_primary(span, "does not fit in a 64-bit integer or float")
    .with_help(format!(
        "integers range from {} to {}; quote a larger value to make it a string",
        i64::MIN,
        i64::MAX
    ))
}

/// A block collection ends where its last value does (the parser's end event sits at
/// the next token, past comments and blank lines); a flow one at its `]` or `}`.
fn closing_span(start: Span, last_end: u32, end: Span) -> Span {
    let end_at = if end.is_empty() { last_end } else { end.end };
    Span {
        file: start.file,
        start: start.start,
        end: end_at.max(start.start),
    }
}

/// YAML merge keys (`<<: *defaults`): the merged mappings' entries that the mapping
/// does not set itself, earlier merges winning.
fn merge_into(entries: &mut Vec<MapEntry>, merges: Vec<SpecNode>) {
    for m in merges {
        let sources = match m.kind {
            NodeKind::Map(e) => vec![e],
            NodeKind::Seq(items) => items
                .into_iter()
                .filter_map(|n| match n.kind {
                    NodeKind::Map(e) => Some(e),
                    _ => None,
                })
                .collect(),
            _ => continue,
        };
        for source in sources {
            for e in source {
                if !entries.iter().any(|x| x.key == e.key) {
                    entries.push(e);
                }
            }
        }
    }
}

enum Resolved {
    Kind(NodeKind),
    TooLarge(String),
}

/// A plain scalar by the YAML 1.2 core schema: `null`, booleans (`true`/`false`
/// only: `yes`, `no`, `on`, `off` are strings), integers (decimal, `0o`, `0x`),
/// floats (with `.inf` and `.nan`), and otherwise a string.
fn resolve_plain(s: String) -> Resolved {
    let kind = match s.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => NodeKind::Null,
        "true" | "True" | "TRUE" => NodeKind::Bool(true),
        "false" | "False" | "FALSE" => NodeKind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => NodeKind::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => NodeKind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => NodeKind::Float(f64::NAN),
        _ => return resolve_number(s),
    };
    Resolved::Kind(kind)
}

fn resolve_number(s: String) -> Resolved {
    // Most scalars are words: only a digit, sign or dot can start a number.
    if !s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.')) {
        return Resolved::Kind(NodeKind::Str(s));
    }
    let radix = |digits: &str, radix: u32| match i64::from_str_radix(digits, radix) {
        Ok(i) => Resolved::Kind(NodeKind::Int(i)),
        Err(_) => Resolved::TooLarge(s.clone()),
    };
    if let Some(d) = s.strip_prefix("0o")
        && !d.is_empty()
        && d.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        return radix(d, 8);
    }
    if let Some(d) = s.strip_prefix("0x")
        && !d.is_empty()
        && d.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return radix(d, 16);
    }
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(&s);
    let integer = !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit());
    let float = !integer && is_core_float(unsigned);
    if integer {
        return match s.parse::<i64>() {
            Ok(i) => Resolved::Kind(NodeKind::Int(i)),
            Err(_) => Resolved::TooLarge(s),
        };
    }
    if float {
        return match s.parse::<f64>() {
            Ok(f) if f.is_finite() => Resolved::Kind(NodeKind::Float(f)),
            _ => Resolved::TooLarge(s),
        };
    }
    Resolved::Kind(NodeKind::Str(s))
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the sign already stripped.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => !frac.is_empty() && digits(frac),
        Some((int, frac)) => digits(int) && digits(frac),
        None => !mantissa.is_empty() && digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// A YAML syntax error in words, with help for the common cases.
fn syntax_error(info: &str, span: Span, text: &str, at: usize) -> Diagnostic {
    let d = Diagnostic::new(codes::SPEC_SYNTAX, format!("invalid YAML: {info}"));
    // saphyr's messages about tabs: "tab cannot be used as indentation", "tabs
    // disallowed …", "… found a tab" (never "unprintable", which also holds "tab").
    let about_tabs = info.starts_with("tab") || info.contains(" tab");
    let at = at.min(text.len());
    let line_start = text
        .get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let tab = text
        .get(line_start..at)
        .and_then(|line| line.find('\t'))
        .map(|i| line_start + i);
    if let (true, Some(tab)) = (about_tabs, tab) {
        // The parser stops after the tabs; point at the first of them.
        let span = Span::new(span.file, tab, tab + 1);
        return d
            .with_primary(span, "a tab in the indentation")
            .with_help("indent with spaces: YAML does not allow tabs in indentation");
    }
    if info.contains("unprintable") {
        let bad = text.char_indices().find(|&(_, c)| {
            (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
                || c == '\u{fffe}'
                || c == '\u{ffff}'
        });
        if let Some((i, c)) = bad {
            let span = Span::new(span.file, i, i + c.len_utf8());
            return d
                .with_primary(span, format!("U+{:04X}, a control character", c as u32))
                .with_help(
                    "a spec file is text: remove the character, or write it as an escape (`\\u0000`) in a double-quoted string",
                );
        }
    }
    if info.contains("did not find expected key") || info.contains("invalid indentation") {
        return d
            .with_primary(span, "this line's indentation does not fit the lines above")
            .with_help(
                "YAML nests by indentation: align the key with the other keys of its mapping",
            );
    }
    if info.contains("mapping values are not allowed") || info.contains("':'") {
        return d
            .with_primary(span, "this `:` is not expected here")
            .with_help("check the indentation of this line; quote a value that contains `: `");
    }
    if at >= text.len() {
        return d.with_primary(span, "the file ends here");
    }
    d.with_primary(span, "the error is here")
}

/// The first error of a strict JSON read, when there is one. Nesting deeper than
/// serde_json's own limit is left to the tree builder, which reports it with its code.
fn json_error(file: FileId, text: &str, offsets: &Offsets<'_>) -> Option<Diagnostic> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = &text[bom..];
    let err = serde_json::from_str::<serde::de::IgnoredAny>(body).err()?;
    let full = err.to_string();
    if full.starts_with("recursion limit exceeded") {
        return None;
    }
    let message = full
        .rfind(" at line ")
        .map_or(full.as_str(), |i| &full[..i]);
    // serde_json counts lines from 1 and columns in bytes from 1 (0 before a line's
    // first byte).
    let line_start = body
        .split_inclusive('\n')
        .take(err.line().saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let mut at = bom + line_start + err.column().saturating_sub(1);
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    // serde_json reports a trailing comma in an object as a key that is not a string,
    // at the closing brace; point at the comma instead.
    let comma = text[..at]
        .trim_end()
        .strip_suffix(',')
        .filter(|_| text[at..].starts_with(['}', ']']))
        .map(str::len);
    let d = if let Some(comma) = comma {
        Diagnostic::new(codes::SPEC_SYNTAX, "invalid JSON: trailing comma")
            .with_primary(
                offsets.char_span(file, comma),
                "a comma after the last member",
            )
            .with_help(
                "remove the comma: JSON allows none after the last member of an object or array",
            )
    } else {
        let d = Diagnostic::new(codes::SPEC_SYNTAX, format!("invalid JSON: {message}"));
        let span = offsets.char_span(file, at);
        json_label(d, message, span)
    };
    Some(d.with_note("a spec whose first character is `{` or `[` is read as JSON"))
}

fn json_label(d: Diagnostic, message: &str, span: Span) -> Diagnostic {
    if message.starts_with("trailing comma") {
        d.with_primary(span, "after a trailing comma")
            .with_help("remove the comma after the last element")
    } else if message.starts_with("EOF") {
        d.with_primary(span, "the file ends here")
    } else if message.starts_with("key must be a string") {
        d.with_primary(span, "expected a key in double quotes")
    } else {
        d.with_primary(span, "the error is here")
    }
}

/// The bytes of scalar text in a node and everything under it (keys included).
fn text_bytes(node: &SpecNode) -> usize {
    match &node.kind {
        NodeKind::Str(s) => s.len(),
        NodeKind::Seq(items) => items.iter().map(text_bytes).sum(),
        NodeKind::Map(entries) => entries
            .iter()
            .map(|e| e.key.len() + text_bytes(&e.value))
            .sum(),
        _ => 8,
    }
}
