//! The standard library: `.fw` files embedded in the binary. `std/prelude.fw`'s
//! types (`Cidr`, `Port`, …) are visible everywhere without an import; the others are
//! reached as `std.<name>` (`use app = std.aws.fargate_service { … }`).

pub struct StdFile {
    /// How templates name it: `["std", "aws"]`.
    pub path: &'static [&'static str],
    /// The name diagnostics show.
    pub name: &'static str,
    pub source: &'static str,
}

pub const FILES: &[StdFile] = &[
    StdFile {
        path: &["std", "prelude"],
        name: "std/prelude.fw",
        source: include_str!("../../stdlib/prelude.fw"),
    },
    StdFile {
        path: &["std", "aws"],
        name: "std/aws.fw",
        source: include_str!("../../stdlib/aws.fw"),
    },
];

pub const PRELUDE: &[&str] = &["std", "prelude"];
