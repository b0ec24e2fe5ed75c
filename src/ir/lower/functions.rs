//! The standard functions and operators on constants: what lowering folds. Each
//! returns a message in the user's terms when its arguments make no sense (an invalid
//! CIDR, an index out of range); the caller reports it at the call.

use std::net::Ipv4Addr;

use crate::ir::Expr;
use crate::syntax::ast::BinaryOp;

type Result<T> = std::result::Result<T, String>;

/// A number as text: integral values without a fraction (`2`, not `2.0`).
pub fn number_text(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A constant as JSON text (keys in the order written).
pub fn json_text(e: &Expr) -> String {
    let mut out = String::new();
    write_json(e, &mut out);
    out
}

fn write_json(e: &Expr, out: &mut String) {
    match e {
        Expr::Null => out.push_str("null"),
        Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Expr::Int(i) => out.push_str(&i.to_string()),
        Expr::Number(n) => out.push_str(&number_text(*n)),
        Expr::String(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
        Expr::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Expr::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push(':');
                write_json(v, out);
            }
            out.push('}');
        }
        _ => out.push_str("null"),
    }
}

fn num(e: &Expr) -> Option<f64> {
    match e {
        Expr::Int(i) => Some(*i as f64),
        Expr::Number(n) => Some(*n),
        _ => None,
    }
}

fn int(e: &Expr) -> Result<i64> {
    match e {
        Expr::Int(i) => Ok(*i),
        Expr::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Ok(*n as i64),
        _ => Err("expected a whole number".into()),
    }
}

fn text(e: &Expr) -> Result<&str> {
    match e {
        Expr::String(s) => Ok(s),
        _ => Err("expected a string".into()),
    }
}

fn list(e: &Expr) -> Result<&[Expr]> {
    match e {
        Expr::List(items) => Ok(items),
        Expr::Null => Ok(&[]),
        _ => Err("expected a list".into()),
    }
}

fn map(e: &Expr) -> Result<&[(String, Expr)]> {
    match e {
        Expr::Map(entries) => Ok(entries),
        Expr::Null => Ok(&[]),
        _ => Err("expected a map".into()),
    }
}

fn arg(args: &[Expr], i: usize) -> Result<&Expr> {
    args.get(i).ok_or_else(|| "missing argument".to_string())
}

fn to_string(e: &Expr) -> String {
    match e {
        Expr::String(s) => s.clone(),
        Expr::Int(i) => i.to_string(),
        Expr::Number(n) => number_text(*n),
        Expr::Bool(b) => b.to_string(),
        Expr::Null => String::new(),
        other => json_text(other),
    }
}

/// A binary operator on two constants.
pub fn binary(op: BinaryOp, a: &Expr, b: &Expr) -> Result<Expr> {
    let overflow = || format!("`{}` overflows a 64-bit integer", op.symbol());
    Ok(match (op, a, b) {
        (BinaryOp::Eq, _, _) => Expr::Bool(equal(a, b)),
        (BinaryOp::Ne, _, _) => Expr::Bool(!equal(a, b)),
        (BinaryOp::And, Expr::Bool(x), Expr::Bool(y)) => Expr::Bool(*x && *y),
        (BinaryOp::Or, Expr::Bool(x), Expr::Bool(y)) => Expr::Bool(*x || *y),
        (BinaryOp::Add, Expr::Int(x), Expr::Int(y)) => {
            Expr::Int(x.checked_add(*y).ok_or_else(overflow)?)
        }
        (BinaryOp::Sub, Expr::Int(x), Expr::Int(y)) => {
            Expr::Int(x.checked_sub(*y).ok_or_else(overflow)?)
        }
        (BinaryOp::Mul, Expr::Int(x), Expr::Int(y)) => {
            Expr::Int(x.checked_mul(*y).ok_or_else(overflow)?)
        }
        (BinaryOp::Rem, Expr::Int(_), Expr::Int(0)) => {
            return Err("the remainder of a division by zero".into());
        }
        (BinaryOp::Rem, Expr::Int(x), Expr::Int(y)) => {
            Expr::Int(x.checked_rem(*y).ok_or_else(overflow)?)
        }
        _ => {
            let (x, y) = match (num(a), num(b)) {
                (Some(x), Some(y)) => (x, y),
                _ => return Err(format!("`{}` needs two numbers", op.symbol())),
            };
            match op {
                BinaryOp::Add => Expr::Number(x + y),
                BinaryOp::Sub => Expr::Number(x - y),
                BinaryOp::Mul => Expr::Number(x * y),
                BinaryOp::Div if y == 0.0 => return Err("a division by zero".into()),
                BinaryOp::Div => Expr::Number(x / y),
                BinaryOp::Rem if y == 0.0 => {
                    return Err("the remainder of a division by zero".into());
                }
                BinaryOp::Rem => Expr::Number(x % y),
                BinaryOp::Lt => Expr::Bool(x < y),
                BinaryOp::Le => Expr::Bool(x <= y),
                BinaryOp::Gt => Expr::Bool(x > y),
                BinaryOp::Ge => Expr::Bool(x >= y),
                _ => return Err(format!("`{}` cannot combine these values", op.symbol())),
            }
        }
    })
}

/// Equality of constants: `2 == 2.0`, as the checker's folding does.
fn equal(a: &Expr, b: &Expr) -> bool {
    match (num(a), num(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// A standard function on constant arguments (the checker has checked their types).
pub fn call(name: &str, args: &[Expr]) -> Result<Expr> {
    let a0 = || arg(args, 0);
    let a1 = || arg(args, 1);
    let a2 = || arg(args, 2);
    Ok(match name {
        "upper" => Expr::String(text(a0()?)?.to_uppercase()),
        "lower" => Expr::String(text(a0()?)?.to_lowercase()),
        "trim" => Expr::String(text(a0()?)?.trim().to_string()),
        "replace" => Expr::String(text(a0()?)?.replace(text(a1()?)?, text(a2()?)?)),
        "substr" => {
            let s = text(a0()?)?;
            let offset = usize::try_from(int(a1()?)?).map_err(|_| "a negative offset")?;
            let length = usize::try_from(int(a2()?)?).map_err(|_| "a negative length")?;
            Expr::String(s.chars().skip(offset).take(length).collect())
        }
        "starts_with" => Expr::Bool(text(a0()?)?.starts_with(text(a1()?)?)),
        "ends_with" => Expr::Bool(text(a0()?)?.ends_with(text(a1()?)?)),
        "split" => {
            let sep = text(a0()?)?;
            let s = text(a1()?)?;
            if sep.is_empty() {
                return Err("the separator is empty".into());
            }
            Expr::List(s.split(sep).map(|p| Expr::String(p.into())).collect())
        }
        "join" => {
            let sep = text(a0()?)?;
            let items: Vec<String> = list(a1()?)?.iter().map(to_string).collect();
            Expr::String(items.join(sep))
        }
        "format_number" | "to_string" => Expr::String(to_string(a0()?)),
        "to_int" => {
            let s = text(a0()?)?.trim();
            Expr::Int(
                s.parse::<i64>()
                    .map_err(|_| format!("`{s}` is not a whole number"))?,
            )
        }
        "length" => Expr::Int(match a0()? {
            Expr::String(s) => s.chars().count(),
            Expr::List(items) => items.len(),
            Expr::Map(entries) => entries.len(),
            Expr::Null => 0,
            _ => return Err("expected a string, list or map".into()),
        } as i64),
        "element" => {
            let items = list(a0()?)?;
            let i = int(a1()?)?;
            let len = items.len();
            usize::try_from(i)
                .ok()
                .and_then(|i| items.get(i))
                .cloned()
                .ok_or_else(|| format!("index {i} is out of range: the list has {len} elements"))?
        }
        "contains" => {
            let needle = a1()?;
            Expr::Bool(list(a0()?)?.iter().any(|x| equal(x, needle)))
        }
        "concat" => {
            let mut out = Vec::new();
            for a in args {
                out.extend(list(a)?.iter().cloned());
            }
            Expr::List(out)
        }
        "flatten" => {
            let mut out = Vec::new();
            for item in list(a0()?)? {
                match item {
                    Expr::List(inner) => out.extend(inner.iter().cloned()),
                    other => out.push(other.clone()),
                }
            }
            Expr::List(out)
        }
        "distinct" => {
            let mut out: Vec<Expr> = Vec::new();
            for item in list(a0()?)? {
                if !out.iter().any(|x| equal(x, item)) {
                    out.push(item.clone());
                }
            }
            Expr::List(out)
        }
        "sort" => {
            let mut items: Vec<String> = list(a0()?)?.iter().map(to_string).collect();
            items.sort();
            Expr::List(items.into_iter().map(Expr::String).collect())
        }
        "range" => {
            let n = int(a0()?)?;
            if !(0..=10_000).contains(&n) {
                return Err(format!("`range({n})`: the bound must be 0 to 10000"));
            }
            Expr::List((0..n).map(Expr::Int).collect())
        }
        "keys" => Expr::List(
            map(a0()?)?
                .iter()
                .map(|(k, _)| Expr::String(k.clone()))
                .collect(),
        ),
        "values" => Expr::List(map(a0()?)?.iter().map(|(_, v)| v.clone()).collect()),
        "merge" => {
            let mut out: Vec<(String, Expr)> = Vec::new();
            for a in args {
                for (k, v) in map(a)? {
                    match out.iter_mut().find(|(key, _)| key == k) {
                        Some(slot) => slot.1 = v.clone(),
                        None => out.push((k.clone(), v.clone())),
                    }
                }
            }
            Expr::Map(out)
        }
        "lookup" => {
            let key = text(a1()?)?;
            map(a0()?)?
                .iter()
                .find(|(k, _)| k == key)
                .map_or_else(|| a2().cloned(), |(_, v)| Ok(v.clone()))?
        }
        "zipmap" => {
            let ks = list(a0()?)?;
            let vs = list(a1()?)?;
            if ks.len() != vs.len() {
                return Err(format!("{} keys but {} values", ks.len(), vs.len()));
            }
            Expr::Map(ks.iter().map(to_string).zip(vs.iter().cloned()).collect())
        }
        "coalesce" => args
            .iter()
            .find(|a| **a != Expr::Null)
            .cloned()
            .unwrap_or(Expr::Null),
        "min" | "max" => {
            let mut best: Option<&Expr> = None;
            for a in args {
                let x = num(a).ok_or("expected numbers")?;
                let better = match best.and_then(num) {
                    None => true,
                    Some(b) => (name == "min" && x < b) || (name == "max" && x > b),
                };
                if better {
                    best = Some(a);
                }
            }
            best.cloned().ok_or("no arguments")?
        }
        "abs" => match a0()? {
            Expr::Int(i) => Expr::Int(i.checked_abs().ok_or("overflows")?),
            e => Expr::Number(num(e).ok_or("expected a number")?.abs()),
        },
        "ceil" | "floor" => {
            let x = num(a0()?).ok_or("expected a number")?;
            let r = if name == "ceil" { x.ceil() } else { x.floor() };
            if r.abs() > 9.0e15 {
                return Err("the result does not fit a whole number".into());
            }
            Expr::Int(r as i64)
        }
        "cidr_subnet" => {
            let (base, prefix) = cidr(text(a0()?)?)?;
            let bits = int(a1()?)?;
            let index = int(a2()?)?;
            Expr::String(subnet(base, prefix, bits, index)?)
        }
        "cidr_subnets" => {
            let (base, prefix) = cidr(text(a0()?)?)?;
            let bits = int(a1()?)?;
            let count = int(a2()?)?;
            if !(0..=256).contains(&count) {
                return Err(format!("{count} subnets: the count must be 0 to 256"));
            }
            let mut out = Vec::new();
            for i in 0..count {
                out.push(Expr::String(subnet(base, prefix, bits, i)?));
            }
            Expr::List(out)
        }
        "cidr_host" => {
            let (base, prefix) = cidr(text(a0()?)?)?;
            let index = int(a1()?)?;
            let size = 1u64 << (32 - prefix);
            let i = u64::try_from(index)
                .ok()
                .filter(|i| *i < size)
                .ok_or_else(|| format!("host {index} is not in a /{prefix} network"))?;
            Expr::String(Ipv4Addr::from((u64::from(base) + i) as u32).to_string())
        }
        "base64_encode" => Expr::String(base64_encode(text(a0()?)?.as_bytes())),
        "base64_decode" => {
            let bytes = base64_decode(text(a0()?)?).ok_or("not valid base64")?;
            Expr::String(String::from_utf8(bytes).map_err(|_| "the decoded bytes are not UTF-8")?)
        }
        "json_encode" => Expr::String(json_text(a0()?)),
        "url_encode" => Expr::String(url_encode(text(a0()?)?)),
        other => return Err(format!("`{other}` cannot be computed here")),
    })
}

/// `10.0.0.0/16` → (the network address, 16).
fn cidr(s: &str) -> Result<(u32, u32)> {
    let bad = || format!("`{s}` is not an IPv4 CIDR block like `10.0.0.0/16`");
    let (addr, prefix) = s.split_once('/').ok_or_else(bad)?;
    let addr: Ipv4Addr = addr.parse().map_err(|_| bad())?;
    let prefix: u32 = prefix.parse().map_err(|_| bad())?;
    if prefix > 32 {
        return Err(bad());
    }
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    Ok((u32::from(addr) & mask, prefix))
}

fn subnet(base: u32, prefix: u32, bits: i64, index: i64) -> Result<String> {
    let bits = u32::try_from(bits).map_err(|_| "negative new bits")?;
    let new_prefix = prefix + bits;
    if bits == 0 || new_prefix > 32 {
        return Err(format!(
            "a /{prefix} network cannot be split into /{new_prefix} subnets"
        ));
    }
    let count = 1u64 << bits;
    let i = u64::try_from(index)
        .ok()
        .filter(|i| *i < count)
        .ok_or_else(|| {
            format!("subnet {index} does not exist: a /{prefix} network has {count} /{new_prefix} subnets")
        })?;
    let addr = u64::from(base) + (i << (32 - new_prefix));
    Ok(format!("{}/{new_prefix}", Ipv4Addr::from(addr as u32)))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut n = 0;
    for c in s.bytes() {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((acc >> n) as u8);
            acc &= (1 << n) - 1;
        }
    }
    Some(out)
}

fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Expr {
        Expr::String(v.into())
    }

    #[test]
    fn cidrs() {
        assert_eq!(
            call(
                "cidr_subnet",
                &[s("10.0.0.0/16"), Expr::Int(8), Expr::Int(10)]
            ),
            Ok(s("10.0.10.0/24"))
        );
        assert!(
            call(
                "cidr_subnet",
                &[s("10.0.0.0/16"), Expr::Int(8), Expr::Int(256)]
            )
            .is_err()
        );
        assert!(call("cidr_subnet", &[s("nope"), Expr::Int(8), Expr::Int(1)]).is_err());
        assert_eq!(
            call("cidr_host", &[s("10.0.1.0/24"), Expr::Int(5)]),
            Ok(s("10.0.1.5"))
        );
    }

    #[test]
    fn base64_round_trip() {
        for t in ["", "a", "ab", "abc", "hello, world"] {
            let e = base64_encode(t.as_bytes());
            assert_eq!(base64_decode(&e).as_deref(), Some(t.as_bytes()));
        }
        assert_eq!(base64_encode(b"hello"), "aGVsbG8=");
    }

    #[test]
    fn arithmetic_overflow_is_an_error() {
        assert!(binary(BinaryOp::Mul, &Expr::Int(i64::MAX), &Expr::Int(2)).is_err());
        assert!(binary(BinaryOp::Div, &Expr::Int(1), &Expr::Int(0)).is_err());
        assert_eq!(
            binary(BinaryOp::Eq, &Expr::Int(2), &Expr::Number(2.0)),
            Ok(Expr::Bool(true))
        );
    }
}
