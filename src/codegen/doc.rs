//! An ordered document (JSON's data model with keys kept in the order written) and its
//! two serialisations: JSON, pretty-printed with two spaces, and YAML through saphyr's
//! emitter. Backends build a [`Node`]; the bytes they write come only from here, so
//! JSON and YAML outputs of one artifact are the same document.

use saphyr::{Scalar, Yaml, YamlEmitter};

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Number(f64),
    String(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    pub fn str(s: impl Into<String>) -> Node {
        Node::String(s.into())
    }

    /// A one-entry map: `{"Ref": "Vpc"}`.
    pub fn single(key: &str, value: Node) -> Node {
        Node::Map(vec![(key.to_string(), value)])
    }

    pub fn is_empty_map(&self) -> bool {
        matches!(self, Node::Map(m) if m.is_empty())
    }
}

/// JSON text, two-space indented, with a final newline.
pub fn to_json(node: &Node) -> String {
    let mut out = String::new();
    write_json(node, 0, &mut out);
    out.push('\n');
    out
}

/// A JSON string literal, escaped as serde_json escapes (so the bytes match it).
pub fn json_string(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn json_number(n: f64) -> String {
    match serde_json::Number::from_f64(n) {
        Some(x) => x.to_string(),
        None => "null".to_string(),
    }
}

fn write_json(node: &Node, indent: usize, out: &mut String) {
    match node {
        Node::Null => out.push_str("null"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Int(i) => out.push_str(&i.to_string()),
        Node::Number(n) => out.push_str(&json_number(*n)),
        Node::String(s) => json_string(s, out),
        Node::List(items) if items.is_empty() => out.push_str("[]"),
        Node::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Node::List(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                push_indent(indent + 1, out);
                write_json(item, indent + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            push_indent(indent, out);
            out.push(']');
        }
        Node::Map(entries) => {
            out.push_str("{\n");
            for (i, (k, v)) in entries.iter().enumerate() {
                push_indent(indent + 1, out);
                json_string(k, out);
                out.push_str(": ");
                write_json(v, indent + 1, out);
                out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
            }
            push_indent(indent, out);
            out.push('}');
        }
    }
}

fn push_indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// YAML text (block style) that any YAML 1.1 or 1.2 parser reads as the same document
/// as [`to_json`]'s. Strings that a YAML parser could read as something else (`yes`,
/// `1.0`, `2024-01-01`, `~`) are double-quoted.
pub fn to_yaml(node: &Node) -> String {
    emit_yaml(node, false)
}

/// [`to_yaml`], except that a string value of several lines is written as a literal
/// block (`|`), which is how people read and write scripts (pipeline `run:` steps),
/// when a block can hold it exactly: only printable characters, tabs and `\n`.
/// Other strings, and every key, are written as [`to_yaml`] writes them.
pub fn to_yaml_with_blocks(node: &Node) -> String {
    emit_yaml(node, true)
}

fn emit_yaml(node: &Node, blocks: bool) -> String {
    let yaml = to_saphyr(node, blocks);
    let mut out = String::new();
    let mut emitter = YamlEmitter::new(&mut out);
    // Only the strings `to_saphyr` hands over as plain values when `blocks` is set
    // can become blocks: every other string it writes in an explicit style.
    emitter.multiline(blocks);
    // The emitter writes only to a String; it cannot fail.
    if emitter.dump(&yaml).is_err() {
        return String::new();
    }
    let body = out.strip_prefix("---\n").unwrap_or(&out);
    let mut text = body.to_string();
    text.push('\n');
    text
}

fn to_saphyr(node: &Node, blocks: bool) -> Yaml<'static> {
    match node {
        Node::Null => Yaml::Value(Scalar::Null),
        Node::Bool(b) => Yaml::Value(Scalar::Boolean(*b)),
        Node::Int(i) => Yaml::Value(Scalar::Integer(*i)),
        Node::Number(n) => Yaml::Value(Scalar::FloatingPoint((*n).into())),
        Node::String(s) if blocks && fits_literal_block(s) => {
            Yaml::Value(Scalar::String(s.clone().into()))
        }
        Node::String(s) => string(s),
        Node::List(items) => Yaml::Sequence(items.iter().map(|i| to_saphyr(i, blocks)).collect()),
        Node::Map(entries) => {
            let mut map = saphyr::Mapping::with_capacity(entries.len());
            for (k, v) in entries {
                map.insert(string(k), to_saphyr(v, blocks));
            }
            Yaml::Mapping(map)
        }
    }
}

/// Whether saphyr's emitter writes `s` as a literal block that every YAML 1.1 and 1.2
/// parser reads back as `s`: several lines, at least one with text, and only tabs,
/// `\n` and printable characters (no `\r`, and none of the line breaks YAML 1.1 adds:
/// U+0085, U+2028, U+2029). Leading spaces and trailing line breaks are kept by the
/// emitter's indentation indicator and chomping.
fn fits_literal_block(s: &str) -> bool {
    s.contains('\n')
        && !s.trim_start_matches('\n').is_empty()
        && s.chars().all(|c| {
            matches!(
                c,
                '\t' | '\n'
                    | ' '..='~'
                    | '\u{a0}'..='\u{2027}'
                    | '\u{202a}'..='\u{d7ff}'
                    | '\u{e000}'..='\u{fefe}'
                    | '\u{ff00}'..='\u{fffd}'
                    | '\u{10000}'..='\u{10ffff}'
            )
        })
}

/// A plain scalar when no YAML resolver (1.1 or 1.2) reads it as anything but this
/// string; otherwise double-quoted with JSON's escapes (valid YAML escapes).
fn string(s: &str) -> Yaml<'static> {
    if is_plain_safe(s) {
        Yaml::Value(Scalar::String(s.to_string().into()))
    } else {
        let quoted = serde_json::Value::String(s.to_string()).to_string();
        let inner = quoted
            .strip_prefix('"')
            .and_then(|q| q.strip_suffix('"'))
            .unwrap_or("")
            .to_string();
        Yaml::Representation(inner.into(), saphyr::ScalarStyle::DoubleQuoted, None)
    }
}

/// Letters, digits and `_ - . /` only, starting with a letter, and not a word YAML 1.1
/// reads as a boolean or null.
fn is_plain_safe(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf",
    ];
    let Some(first) = s.chars().next() else {
        return false;
    };
    first.is_ascii_alphabetic()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && !WORDS.contains(&s.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_quotes_what_a_parser_would_misread() {
        let doc = Node::Map(vec![
            ("a".into(), Node::str("yes")),
            ("b".into(), Node::str("2024-01-01")),
            ("c".into(), Node::str("1_000")),
            ("d".into(), Node::str("AWS::EC2::VPC")),
            ("e".into(), Node::str("line\nbreak \"q\"")),
            ("f".into(), Node::str("plain-text")),
            ("2024-01-01".into(), Node::Int(1)),
            ("g".into(), Node::List(vec![])),
            ("h".into(), Node::Map(vec![])),
            ("i".into(), Node::Number(0.5)),
        ]);
        let y = to_yaml(&doc);
        assert!(y.contains("a: \"yes\""), "{y}");
        assert!(y.contains("b: \"2024-01-01\""), "{y}");
        assert!(y.contains("c: \"1_000\""), "{y}");
        assert!(y.contains("d: \"AWS::EC2::VPC\""), "{y}");
        assert!(y.contains("e: \"line\\nbreak \\\"q\\\"\""), "{y}");
        assert!(y.contains("f: plain-text"), "{y}");
        assert!(y.contains("\"2024-01-01\": 1"), "{y}");
    }

    #[test]
    fn strings_are_escaped_as_serde_json_does() {
        for t in [
            "plain",
            "q\"uote",
            "back\\slash",
            "nl\n",
            "tab\t",
            "\u{1}\u{1f}",
            "é ü",
            "\u{8}\u{c}\r",
        ] {
            let mut out = String::new();
            json_string(t, &mut out);
            assert_eq!(out, serde_json::Value::String(t.to_string()).to_string());
        }
    }

    #[test]
    fn blocks_hold_multi_line_strings_exactly() {
        use saphyr::LoadableYamlNode;
        let texts = [
            "npm ci\nnpm test",
            "one\ntwo\n",
            "kept\n\n\n",
            "  indented first\nthen not",
            "\n\n  after blank lines",
            "tab\tin\n\tand leading",
            "# not a comment\n- not a list\nkey: not a map",
            "---\n...\nmarkers",
            "trailing spaces  \n  \nend  ",
            "é ü 日本\n\"quotes\" 'and' \\ back",
            "cr\r\nnot a block",
            "nel\u{85}\nnot a block",
        ];
        for text in texts {
            let doc = Node::Map(vec![
                ("run".into(), Node::str(text)),
                (
                    "list".into(),
                    Node::List(vec![Node::str(text), Node::str("x")]),
                ),
                ("after".into(), Node::str("end")),
            ]);
            let yaml = to_yaml_with_blocks(&doc);
            let loaded = saphyr::Yaml::load_from_str(&yaml);
            let Ok(docs) = loaded else {
                panic!("{text:?} does not load:\n{yaml}");
            };
            let root = &docs[0];
            let get = |k: &str| root.as_mapping_get(k).cloned();
            assert_eq!(
                get("run")
                    .and_then(|v| v.as_str().map(String::from))
                    .as_deref(),
                Some(text),
                "{yaml}"
            );
            let item = get("list").and_then(|l| {
                l.as_sequence_get(0)
                    .and_then(|v| v.as_str().map(String::from))
            });
            assert_eq!(item.as_deref(), Some(text), "{yaml}");
            assert_eq!(
                get("after")
                    .and_then(|v| v.as_str().map(String::from))
                    .as_deref(),
                Some("end"),
                "{yaml}"
            );
            assert_eq!(yaml.contains('|'), fits_literal_block(text), "{yaml}");
            // The plain writer is unchanged: multi-line strings stay double-quoted.
            assert!(!to_yaml(&doc).contains("run: |"));
        }
    }

    #[test]
    fn json_keeps_key_order() {
        let doc = Node::Map(vec![("b".into(), Node::Int(1)), ("a".into(), Node::Null)]);
        assert_eq!(to_json(&doc), "{\n  \"b\": 1,\n  \"a\": null\n}\n");
    }
}
