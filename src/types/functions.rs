//! The standard functions: each with a signature, and with how each target computes
//! it when an argument is known only at deploy time (CloudFormation's intrinsic, or
//! nothing, in which case such a call is error E0211). Terraform evaluates every
//! function at apply time, so it can always compute them. The reference lists them
//! (grammar/REFERENCE.md, "Functions").

use crate::types::ty::Ty;

/// A parameter's type, or how many of them.
#[derive(Debug, Clone, Copy)]
pub enum Param {
    String,
    Int,
    Number,
    Bool,
    Any,
    /// Any list.
    List,
    ListOfString,
    /// Any map or record.
    Map,
    /// Any list or map.
    Collection,
    /// Zero or more of the previous parameter.
    Rest,
}

/// What a call returns, from its arguments' types.
#[derive(Debug, Clone, Copy)]
pub enum Returns {
    String,
    Int,
    Number,
    Bool,
    ListOfString,
    ListOfInt,
    /// The first argument's type (`distinct`, `sort`, `concat`).
    First,
    /// The element type of the first argument (`element`, `lookup`).
    ElementOfFirst,
    /// A list of the first argument's element type (`flatten` keeps it simple).
    ListOfElementOfFirst,
    /// The wider of the numeric arguments (`min`, `max`, `abs`).
    NumericOfArgs,
    /// A map of the second argument's element type (`zipmap`).
    MapOfSecondElement,
    /// The keys of a map.
    KeysOfFirst,
    /// The values of a map.
    ValuesOfFirst,
    /// A merged map.
    MergedMap,
    Any,
}

/// How CloudFormation computes a function on a deploy-time argument.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CloudFormation {
    Intrinsic(&'static str),
    /// Written with other intrinsics by the lowering (`coalesce` as `Fn::If`s,
    /// `json_encode` as `Fn::Sub` text), which refuses precisely what it cannot write.
    Lowered,
    Never,
}

pub struct Function {
    pub name: &'static str,
    pub params: &'static [Param],
    pub returns: Returns,
    pub cloudformation: CloudFormation,
    pub summary: &'static str,
}

use CloudFormation::{Intrinsic, Never};
use Param as P;

pub const FUNCTIONS: &[Function] = &[
    // Strings
    Function {
        name: "upper",
        params: &[P::String],
        returns: Returns::String,
        cloudformation: Never,
        summary: "upper-case a string",
    },
    Function {
        name: "lower",
        params: &[P::String],
        returns: Returns::String,
        cloudformation: Never,
        summary: "lower-case a string",
    },
    Function {
        name: "trim",
        params: &[P::String],
        returns: Returns::String,
        cloudformation: Never,
        summary: "remove leading and trailing whitespace",
    },
    Function {
        name: "replace",
        params: &[P::String, P::String, P::String],
        returns: Returns::String,
        cloudformation: Never,
        summary: "replace every occurrence of a substring",
    },
    Function {
        name: "substr",
        params: &[P::String, P::Int, P::Int],
        returns: Returns::String,
        cloudformation: Never,
        summary: "the substring at an offset with a length",
    },
    Function {
        name: "starts_with",
        params: &[P::String, P::String],
        returns: Returns::Bool,
        cloudformation: Never,
        summary: "whether a string starts with a prefix",
    },
    Function {
        name: "ends_with",
        params: &[P::String, P::String],
        returns: Returns::Bool,
        cloudformation: Never,
        summary: "whether a string ends with a suffix",
    },
    Function {
        name: "split",
        params: &[P::String, P::String],
        returns: Returns::ListOfString,
        cloudformation: Intrinsic("Fn::Split"),
        summary: "split a string on a separator",
    },
    Function {
        name: "join",
        params: &[P::String, P::ListOfString],
        returns: Returns::String,
        cloudformation: Intrinsic("Fn::Join"),
        summary: "join a list of strings with a separator",
    },
    Function {
        name: "format_number",
        params: &[P::Number],
        returns: Returns::String,
        cloudformation: Never,
        summary: "a number as a string",
    },
    Function {
        name: "to_string",
        params: &[P::Any],
        returns: Returns::String,
        cloudformation: Never,
        summary: "a number or Bool as a string",
    },
    Function {
        name: "to_int",
        params: &[P::String],
        returns: Returns::Int,
        cloudformation: Never,
        summary: "parse a string as an integer",
    },
    // Collections
    Function {
        name: "length",
        params: &[P::Any],
        returns: Returns::Int,
        cloudformation: Never,
        summary: "the length of a string, list or map",
    },
    Function {
        name: "element",
        params: &[P::List, P::Int],
        returns: Returns::ElementOfFirst,
        cloudformation: Intrinsic("Fn::Select"),
        summary: "the element at an index",
    },
    Function {
        name: "contains",
        params: &[P::List, P::Any],
        returns: Returns::Bool,
        cloudformation: Never,
        summary: "whether a list contains a value",
    },
    Function {
        name: "concat",
        params: &[P::List, P::Rest],
        returns: Returns::First,
        cloudformation: Never,
        summary: "lists one after another",
    },
    Function {
        name: "flatten",
        params: &[P::List],
        returns: Returns::ListOfElementOfFirst,
        cloudformation: Never,
        summary: "a list of lists as one list",
    },
    Function {
        name: "distinct",
        params: &[P::List],
        returns: Returns::First,
        cloudformation: Never,
        summary: "a list without repeats",
    },
    Function {
        name: "sort",
        params: &[P::ListOfString],
        returns: Returns::First,
        cloudformation: Never,
        summary: "a list of strings in order",
    },
    Function {
        name: "range",
        params: &[P::Int],
        returns: Returns::ListOfInt,
        cloudformation: Never,
        summary: "the integers from 0 below a bound",
    },
    Function {
        name: "keys",
        params: &[P::Map],
        returns: Returns::KeysOfFirst,
        cloudformation: Never,
        summary: "a map's keys, in order",
    },
    Function {
        name: "values",
        params: &[P::Map],
        returns: Returns::ValuesOfFirst,
        cloudformation: Never,
        summary: "a map's values, in key order",
    },
    Function {
        name: "merge",
        params: &[P::Map, P::Rest],
        returns: Returns::MergedMap,
        cloudformation: Never,
        summary: "maps merged, later keys winning",
    },
    Function {
        name: "lookup",
        params: &[P::Map, P::String, P::Any],
        returns: Returns::ElementOfFirst,
        cloudformation: Never,
        summary: "a map's value for a key, or a default",
    },
    Function {
        name: "zipmap",
        params: &[P::ListOfString, P::List],
        returns: Returns::MapOfSecondElement,
        cloudformation: Never,
        summary: "a map from a list of keys and a list of values",
    },
    Function {
        name: "coalesce",
        params: &[P::Any, P::Rest],
        returns: Returns::First,
        cloudformation: CloudFormation::Lowered,
        summary: "the first argument that is not null",
    },
    // Numbers
    Function {
        name: "min",
        params: &[P::Number, P::Rest],
        returns: Returns::NumericOfArgs,
        cloudformation: Never,
        summary: "the smallest number",
    },
    Function {
        name: "max",
        params: &[P::Number, P::Rest],
        returns: Returns::NumericOfArgs,
        cloudformation: Never,
        summary: "the largest number",
    },
    Function {
        name: "abs",
        params: &[P::Number],
        returns: Returns::NumericOfArgs,
        cloudformation: Never,
        summary: "the absolute value",
    },
    Function {
        name: "ceil",
        params: &[P::Number],
        returns: Returns::Int,
        cloudformation: Never,
        summary: "round up",
    },
    Function {
        name: "floor",
        params: &[P::Number],
        returns: Returns::Int,
        cloudformation: Never,
        summary: "round down",
    },
    // Networks
    Function {
        // Deploy-time, whatever its arguments: the checker and lowering read it as
        // `types::pseudo::Pseudo::AvailabilityZones`, never computing it.
        name: "availability_zones",
        params: &[],
        returns: Returns::ListOfString,
        cloudformation: Intrinsic("Fn::GetAZs"),
        summary: "the availability zones of the region the stack deploys in (deploy-time)",
    },
    Function {
        name: "cidr_subnet",
        params: &[P::String, P::Int, P::Int],
        returns: Returns::String,
        cloudformation: Intrinsic("Fn::Cidr"),
        summary: "the n-th subnet of a CIDR block, with extra prefix bits",
    },
    Function {
        name: "cidr_host",
        params: &[P::String, P::Int],
        returns: Returns::String,
        cloudformation: Never,
        summary: "the n-th host address of a CIDR block",
    },
    Function {
        name: "cidr_subnets",
        params: &[P::String, P::Int, P::Int],
        returns: Returns::ListOfString,
        cloudformation: Intrinsic("Fn::Cidr"),
        summary: "a count of subnets of a CIDR block",
    },
    // Encoding
    Function {
        name: "base64_encode",
        params: &[P::String],
        returns: Returns::String,
        cloudformation: Intrinsic("Fn::Base64"),
        summary: "Base64 of a string",
    },
    Function {
        name: "base64_decode",
        params: &[P::String],
        returns: Returns::String,
        cloudformation: Never,
        summary: "a string from its Base64",
    },
    Function {
        name: "json_encode",
        params: &[P::Any],
        returns: Returns::String,
        cloudformation: CloudFormation::Lowered,
        summary: "a value as JSON text",
    },
    Function {
        name: "url_encode",
        params: &[P::String],
        returns: Returns::String,
        cloudformation: Never,
        summary: "a string escaped for a URL",
    },
];

pub fn lookup(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

impl Param {
    /// Whether an argument of type `ty` fits.
    pub fn accepts(self, ty: &Ty) -> bool {
        let t = ty.unrefined();
        match self {
            Param::Any | Param::Rest => true,
            Param::String => ty.is_subtype_of(&Ty::String),
            Param::Int => ty.is_subtype_of(&Ty::Int),
            Param::Number => ty.is_subtype_of(&Ty::Number),
            Param::Bool => ty.is_subtype_of(&Ty::Bool),
            Param::List => matches!(t, Ty::List(_) | Ty::Error | Ty::Any),
            Param::ListOfString => ty.is_subtype_of(&Ty::list(Ty::String)),
            Param::Map => matches!(t, Ty::Map(_) | Ty::Record(_) | Ty::Error | Ty::Any),
            Param::Collection => matches!(
                t,
                Ty::List(_) | Ty::Map(_) | Ty::Record(_) | Ty::Error | Ty::Any
            ),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Param::String => "String",
            Param::Int => "Int",
            Param::Number => "Number",
            Param::Bool => "Bool",
            Param::Any | Param::Rest => "any value",
            Param::List => "a list",
            Param::ListOfString => "List<String>",
            Param::Map => "a map",
            Param::Collection => "a list or map",
        }
    }
}

/// The element type of a list or map type (`Any` otherwise).
pub fn element_of(ty: &Ty) -> Ty {
    match ty.unrefined() {
        Ty::List(t) | Ty::Map(t) => (**t).clone(),
        Ty::Record(fields) => {
            let mut tys: Vec<Ty> = Vec::new();
            for f in fields.values() {
                if !tys.contains(&f.ty) {
                    tys.push(f.ty.clone());
                }
            }
            match tys.len() {
                0 => Ty::Any,
                1 => tys.pop().unwrap_or(Ty::Any),
                _ => Ty::Union(tys),
            }
        }
        Ty::Error => Ty::Error,
        _ => Ty::Any,
    }
}

impl Returns {
    pub fn compute(self, args: &[Ty]) -> Ty {
        let first = args.first().cloned().unwrap_or(Ty::Any);
        match self {
            Returns::String => Ty::String,
            Returns::Int => Ty::Int,
            Returns::Number => Ty::Number,
            Returns::Bool => Ty::Bool,
            Returns::ListOfString => Ty::list(Ty::String),
            Returns::ListOfInt => Ty::list(Ty::Int),
            Returns::First => first.base(),
            Returns::ElementOfFirst => element_of(&first),
            Returns::ListOfElementOfFirst => match element_of(&first) {
                Ty::List(inner) => Ty::List(inner),
                other => Ty::list(other),
            },
            Returns::NumericOfArgs => {
                if args.iter().all(|a| a.is_subtype_of(&Ty::Int)) {
                    Ty::Int
                } else {
                    Ty::Number
                }
            }
            Returns::MapOfSecondElement => Ty::map(element_of(args.get(1).unwrap_or(&Ty::Any))),
            Returns::KeysOfFirst => Ty::list(Ty::String),
            Returns::ValuesOfFirst => Ty::list(element_of(&first)),
            Returns::MergedMap => {
                let mut tys: Vec<Ty> = Vec::new();
                for a in args {
                    let e = element_of(a);
                    if !tys.contains(&e) {
                        tys.push(e);
                    }
                }
                Ty::map(if tys.len() == 1 {
                    tys.pop().unwrap_or(Ty::Any)
                } else {
                    Ty::Union(tys)
                })
            }
            Returns::Any => Ty::Any,
        }
    }
}
