//! `json_encode` of a value with deploy-time parts, for CloudFormation, which has no
//! JSON function: the text is written out with each part substituted where it goes
//! (`Fn::Sub`), so `{"queue": queue.Arn}` becomes `{"queue":"${Queue.Arn}"}`.
//!
//! A part can be substituted when its shape is known now: a string (placed between
//! quotes as it is: the ARNs, names, IDs and URLs resources give back need no JSON
//! escaping), a number (as it is), a condition (`true` or `false`, by `Fn::If`), or a
//! list or map literal of such parts. A value whose length or keys are known only at
//! deploy time (a list parameter, `availability_zones()`, a list attribute) has no
//! such text: it is refused, by name. Terraform needs none of this: `jsonencode` runs
//! at apply time.

use crate::diagnostics::{Diagnostic, codes};
use crate::ir::{Expr, Stack};
use crate::syntax::ast::{BinaryOp, UnaryOp};
use crate::syntax::span::Span;
use crate::types::pseudo::Pseudo;
use crate::types::ty::Ty;

use super::functions::json_text;

/// The JSON text of `value` as a string with deploy-time parts (an [`Expr::Concat`]).
pub fn deploy_text(value: &Expr, stack: &Stack, call: Span) -> Result<Expr, Box<Diagnostic>> {
    let mut parts = Text::default();
    write(value, stack, &mut parts).map_err(|(span, what, why)| {
        let from_input = span.is_some_and(|sp| reads_input(value, sp));
        // An input is a parameter only in a template compiled alone: rendering an
        // instance knows its value, so that is `E0501`, which `check` leaves to `compile`.
        let code = if from_input {
            codes::NOT_EXPRESSIBLE
        } else {
            codes::NOT_EXPRESSIBLE_AT_DEPLOY_TIME
        };
        Box::new(Diagnostic::new(
            code,
            format!("`json_encode` cannot write {what} as JSON in CloudFormation"),
        )
        .with_primary(span.unwrap_or(call), why)
        .with_secondary(call, "encoded here, when the stack deploys")
        .with_note("CloudFormation has no JSON function: formwork writes the text with `Fn::Sub`, which can place strings and numbers known at deploy time, but not a list or map whose elements are known only then")
        .with_help(if code == codes::NOT_EXPRESSIBLE {
            "render the template per instance (`formwork render`), where the input is known, or target Terraform, whose `jsonencode` runs at apply time"
        } else {
            "encode a list or map literal of its elements (`[zones[0], zones[1]]`), or target Terraform, whose `jsonencode` runs at apply time"
        }))
    })?;
    Ok(parts.finish(call))
}

type Refusal = (Option<Span>, String, String);

#[derive(Default)]
struct Text {
    parts: Vec<Expr>,
    text: String,
}

impl Text {
    fn push_text(&mut self, s: &str) {
        self.text.push_str(s);
    }

    fn push_part(&mut self, e: Expr) {
        if !self.text.is_empty() {
            self.parts
                .push(Expr::String(std::mem::take(&mut self.text)));
        }
        self.parts.push(e);
    }

    fn finish(mut self, span: Span) -> Expr {
        if !self.text.is_empty() {
            self.parts
                .push(Expr::String(std::mem::take(&mut self.text)));
        }
        Expr::Concat(self.parts, span)
    }
}

/// What a deploy-time leaf is, as far as its JSON is concerned.
enum Shape {
    Text,
    /// Written as it is: a number, or a `Bool` parameter (`true`, `false`).
    Raw,
    /// A condition, written `true` or `false` by `Fn::If`.
    Bool,
    /// A string that may be null (an optional parameter with no default).
    OptionalText,
    OptionalRaw,
    Collection(String),
}

fn write(e: &Expr, stack: &Stack, out: &mut Text) -> Result<(), Refusal> {
    if e.is_const() {
        out.push_text(&json_text(e));
        return Ok(());
    }
    match e {
        Expr::List(items) => {
            out.push_text("[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_text(",");
                }
                write(item, stack, out)?;
            }
            out.push_text("]");
            Ok(())
        }
        Expr::Map(entries) => {
            out.push_text("{");
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_text(",");
                }
                out.push_text(&json_text(&Expr::String(k.clone())));
                out.push_text(":");
                write(v, stack, out)?;
            }
            out.push_text("}");
            Ok(())
        }
        Expr::If(c, a, b, span) => {
            // Each side is whole JSON text, picked when the stack deploys.
            let mut ta = Text::default();
            write(a, stack, &mut ta)?;
            let mut tb = Text::default();
            write(b, stack, &mut tb)?;
            out.push_part(Expr::If(
                c.clone(),
                Box::new(ta.finish(*span)),
                Box::new(tb.finish(*span)),
                *span,
            ));
            Ok(())
        }
        leaf => {
            let shape = shape(leaf, stack)?;
            let span = Expr::span(leaf);
            let given = |leaf: &Expr| {
                Expr::Binary(
                    BinaryOp::Ne,
                    Box::new(leaf.clone()),
                    Box::new(Expr::Null),
                    span.unwrap_or_default(),
                )
            };
            match shape {
                Shape::Text => {
                    out.push_text("\"");
                    string_body(leaf, stack, out)?;
                    out.push_text("\"");
                }
                Shape::Raw => out.push_part(leaf.clone()),
                Shape::Bool => out.push_part(Expr::If(
                    Box::new(leaf.clone()),
                    Box::new(Expr::String("true".into())),
                    Box::new(Expr::String("false".into())),
                    span.unwrap_or_default(),
                )),
                Shape::OptionalText | Shape::OptionalRaw => {
                    let quote = if matches!(shape, Shape::OptionalText) {
                        "\""
                    } else {
                        ""
                    };
                    let s = span.unwrap_or_default();
                    let set = Expr::Concat(
                        vec![
                            Expr::String(quote.into()),
                            leaf.clone(),
                            Expr::String(quote.into()),
                        ],
                        s,
                    );
                    out.push_part(Expr::If(
                        Box::new(given(leaf)),
                        Box::new(set),
                        Box::new(Expr::String("null".into())),
                        s,
                    ));
                }
                Shape::Collection(what) => {
                    return Err((
                        span,
                        what,
                        "its elements are known only when the stack deploys".to_string(),
                    ));
                }
            }
            Ok(())
        }
    }
}

/// The characters of a deploy-time string between its quotes: an interpolation's text
/// escaped for JSON, its parts substituted.
fn string_body(e: &Expr, stack: &Stack, out: &mut Text) -> Result<(), Refusal> {
    match e {
        Expr::Concat(parts, _) => {
            for p in parts {
                match p {
                    Expr::String(s) => {
                        let quoted = json_text(&Expr::String(s.clone()));
                        out.push_text(&quoted[1..quoted.len() - 1]);
                    }
                    Expr::Int(_) | Expr::Number(_) | Expr::Bool(_) => out.push_text(&json_text(p)),
                    other => match shape(other, stack)? {
                        Shape::Collection(what) => {
                            return Err((
                                Expr::span(other),
                                what,
                                "its elements are known only when the stack deploys".to_string(),
                            ));
                        }
                        _ => string_body(other, stack, out)?,
                    },
                }
            }
            Ok(())
        }
        leaf => {
            out.push_part(leaf.clone());
            Ok(())
        }
    }
}

fn of_type(ty: &Ty, what: String) -> Shape {
    let optional = matches!(ty, Ty::Optional(_));
    let inner = ty.non_null();
    match inner.base() {
        Ty::Int | Ty::Number | Ty::Bool if optional => Shape::OptionalRaw,
        Ty::Int | Ty::Number | Ty::Bool => Shape::Raw,
        Ty::List(_) | Ty::Map(_) | Ty::Record(_) => Shape::Collection(what),
        _ if optional => Shape::OptionalText,
        _ => Shape::Text,
    }
}

fn shape(e: &Expr, stack: &Stack) -> Result<Shape, Refusal> {
    Ok(match e {
        Expr::Param(name, _) => match stack.params.iter().find(|p| p.name == *name) {
            Some(p) if p.default.is_none() => {
                of_type(&p.ty, format!("the input `{name}`, a list,"))
            }
            Some(p) => of_type(&p.ty.non_null(), format!("the input `{name}`, a list,")),
            None => Shape::Text,
        },
        Expr::Pseudo(Pseudo::AvailabilityZones, _) => {
            Shape::Collection("`availability_zones()`, a list,".to_string())
        }
        Expr::Pseudo(..) | Expr::Context(..) | Expr::Ref(..) | Expr::EnvOutput(..) => Shape::Text,
        Expr::Concat(..) => Shape::Text,
        Expr::Attr(id, attr, _) => {
            let resource = stack.resources.get(id.0 as usize);
            let ty = resource
                .and_then(|r| crate::types::resources::lookup(&r.type_name))
                .and_then(|s| s.attributes.get(attr).cloned());
            let name = resource.map_or_else(|| attr.clone(), |r| format!("{}.{attr}", r.path));
            match ty {
                Some(t) => of_type(&t, format!("`{name}`, a list,")),
                None => Shape::Text,
            }
        }
        Expr::Cond(..)
        | Expr::Unary(UnaryOp::Not, ..)
        | Expr::Binary(BinaryOp::Eq | BinaryOp::Ne | BinaryOp::And | BinaryOp::Or, ..) => {
            Shape::Bool
        }
        Expr::Secret(name, span) => {
            return Err((
                Some(*span),
                format!("the secret `{name}`"),
                "a secret is never written into text".to_string(),
            ));
        }
        Expr::Call(f, _, span) => match crate::types::functions::lookup(f).map(|f| f.returns) {
            Some(crate::types::functions::Returns::String) => Shape::Text,
            Some(
                crate::types::functions::Returns::Int | crate::types::functions::Returns::Number,
            ) => Shape::Raw,
            Some(crate::types::functions::Returns::Bool) => Shape::Raw,
            _ => {
                return Err((
                    Some(*span),
                    format!("the result of `{f}`"),
                    "a value whose shape is known only when the stack deploys".to_string(),
                ));
            }
        },
        Expr::Index(coll, _, _) => match shape(coll, stack) {
            Ok(Shape::Collection(_)) | Err(_) => element_shape(coll, stack),
            Ok(_) => Shape::Text,
        },
        other => {
            return Err((
                Expr::span(other),
                "this value".to_string(),
                "a value whose shape is known only when the stack deploys".to_string(),
            ));
        }
    })
}

/// An element of a deploy-time list (`Fn::Select`): a string unless the list's type
/// says numbers.
fn element_shape(coll: &Expr, stack: &Stack) -> Shape {
    let ty = match coll {
        Expr::Param(name, _) => stack
            .params
            .iter()
            .find(|p| p.name == *name)
            .map(|p| p.ty.clone()),
        Expr::Attr(id, attr, _) => stack
            .resources
            .get(id.0 as usize)
            .and_then(|r| crate::types::resources::lookup(&r.type_name))
            .and_then(|s| s.attributes.get(attr).cloned()),
        _ => None,
    };
    match ty.as_ref().map(|t| t.non_null().base()) {
        Some(Ty::List(inner)) if inner.is_numeric() => Shape::Raw,
        _ => Shape::Text,
    }
}

/// Whether the part of `value` at `span` reads an input (a parameter of a template
/// compiled alone).
fn reads_input(value: &Expr, span: Span) -> bool {
    fn walk(e: &Expr, span: Span, inside: bool) -> bool {
        let here = inside || Expr::span(e) == Some(span);
        match e {
            Expr::Param(..) => here,
            Expr::List(items) | Expr::Concat(items, _) | Expr::Call(_, items, _) => {
                items.iter().any(|i| walk(i, span, here))
            }
            Expr::Map(entries) => entries.iter().any(|(_, v)| walk(v, span, here)),
            Expr::Index(a, b, _) | Expr::Binary(_, a, b, _) => {
                walk(a, span, here) || walk(b, span, here)
            }
            Expr::If(c, a, b, _) => {
                walk(c, span, here) || walk(a, span, here) || walk(b, span, here)
            }
            Expr::Unary(_, a, _) | Expr::Member(a, _, _) => walk(a, span, here),
            _ => false,
        }
    }
    walk(value, span, false)
}
