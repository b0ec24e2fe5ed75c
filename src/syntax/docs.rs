//! Attaches `///` comments to the declaration that follows each run of them.
//!
//! The lexer keeps every comment as trivia; this pass copies a doc comment's text into
//! the `doc` field of the item it directly precedes (only whitespace between), and
//! reports a doc comment that documents nothing.

use crate::syntax::ast::*;
use crate::syntax::error::SyntaxError;
use crate::syntax::span::Span;

pub fn attach_docs(file: &mut SourceFile, src: &str) -> Vec<SyntaxError> {
    let docs: Vec<Span> = file
        .trivia
        .comments
        .iter()
        .filter(|c| c.kind == CommentKind::Doc)
        .map(|c| c.span)
        .collect();
    if docs.is_empty() {
        return Vec::new();
    }
    let mut used = vec![false; docs.len()];
    let mut slots: Vec<(u32, &mut Option<Doc>)> = Vec::new();
    for item in &mut file.items {
        collect_item(item, &mut slots);
    }
    for (start, slot) in slots {
        let mut i = docs.partition_point(|d| d.end <= start);
        let mut pos = start as usize;
        let first_taken = i;
        while i > 0 {
            let d = docs[i - 1];
            let gap = src.get(d.end as usize..pos).unwrap_or("x");
            if used[i - 1] || !is_blank(gap) {
                break;
            }
            pos = d.start as usize;
            i -= 1;
        }
        if i < first_taken {
            let lines = (i..first_taken)
                .map(|k| {
                    used[k] = true;
                    doc_text(src.get(docs[k].range()).unwrap_or(""))
                })
                .collect();
            *slot = Some(Doc {
                lines,
                span: docs[i].to(docs[first_taken - 1]),
            });
        }
    }
    let mut errors = Vec::new();
    for (k, d) in docs.iter().enumerate() {
        let continues_run = k > 0
            && !used[k - 1]
            && src
                .get(docs[k - 1].end as usize..d.start as usize)
                .is_some_and(is_blank);
        if !used[k] && !continues_run {
            errors.push(SyntaxError::DanglingDocComment { span: *d });
        }
    }
    errors
}

/// Whether `text` is only whitespace (what `trim` removes), read no further than its
/// first other character: the text between a doc comment and an item can be long.
fn is_blank(text: &str) -> bool {
    text.chars().all(char::is_whitespace)
}

fn doc_text(comment: &str) -> String {
    let body = comment.strip_prefix("///").unwrap_or(comment);
    body.strip_prefix(' ')
        .unwrap_or(body)
        .trim_end()
        .to_string()
}

fn collect_item<'a>(item: &'a mut Item, slots: &mut Vec<(u32, &'a mut Option<Doc>)>) {
    match item {
        Item::TypeAlias(t) => {
            slots.push((t.span.start, &mut t.doc));
            collect_type(&mut t.ty, slots);
        }
        Item::Decl(d) => {
            slots.push((d.span.start, &mut d.doc));
            for b in &mut d.body {
                collect_body(b, slots);
            }
        }
        Item::Import(_) | Item::Error(_) => {}
    }
}

fn collect_body<'a>(item: &'a mut BodyItem, slots: &mut Vec<(u32, &'a mut Option<Doc>)>) {
    match item {
        BodyItem::Requires(r) => slots.push((r.span.start, &mut r.doc)),
        BodyItem::Input(block) => {
            for f in &mut block.fields {
                collect_field(f, slots);
            }
        }
        BodyItem::Let(l) => slots.push((l.span.start, &mut l.doc)),
        BodyItem::Use(u) => slots.push((u.span.start, &mut u.doc)),
        BodyItem::Resource(r) => slots.push((r.span.start, &mut r.doc)),
        BodyItem::Output(o) => slots.push((o.span.start, &mut o.doc)),
        BodyItem::Attribute(_) | BodyItem::Pipeline(_) | BodyItem::Error(_) => {}
    }
}

fn collect_field<'a>(f: &'a mut Field, slots: &mut Vec<(u32, &'a mut Option<Doc>)>) {
    slots.push((f.span.start, &mut f.doc));
    collect_type(&mut f.ty, slots);
}

fn collect_type<'a>(t: &'a mut TypeExpr, slots: &mut Vec<(u32, &'a mut Option<Doc>)>) {
    match &mut t.kind {
        TypeKind::Record { fields, .. } => {
            for f in fields {
                collect_field(f, slots);
            }
        }
        TypeKind::Named { args, .. } => {
            for a in args {
                collect_type(a, slots);
            }
        }
        TypeKind::Optional(inner) | TypeKind::Paren(inner) => collect_type(inner, slots),
        TypeKind::Union(ts) => {
            for a in ts {
                collect_type(a, slots);
            }
        }
        TypeKind::Refined { base, .. } => collect_type(base, slots),
        TypeKind::Literal(_) | TypeKind::String(_) | TypeKind::Error => {}
    }
}
