//! The resource catalogs: what the checker knows about each raw resource type, per
//! target. CloudFormation types come from the resource provider schemas cfn-lint ships,
//! converted once by `tools/import_cfn_schemas.rs` into
//! `stdlib/cloudformation/resources.jsonl`; Terraform types come from the AWS
//! provider's own schema, converted by `tools/import_tf_schema.rs` into
//! `stdlib/terraform/resources.jsonl`. Both are embedded in the binary and read
//! lazily: building a catalog only indexes type names, and a type's line is decoded into
//! a [`ResourceSchema`] the first time [`Catalog::get`] asks for it, then cached. The
//! encoding is described in `stdlib/cloudformation/README.md` and decoded in
//! `encoding.rs`.

mod cloudformation;
mod encoding;
mod terraform;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use crate::types::ty::Ty;

/// Where a resource type is deployed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    CloudFormation,
    Terraform,
}

/// One resource type: what a template may set and read.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceSchema {
    /// The type's name as the target spells it (`AWS::EC2::VPC`, `aws_vpc`). `Custom::…`
    /// types share the schema of `AWS::CloudFormation::CustomResource`.
    pub type_name: String,
    pub target: Target,
    /// Every property the type declares, read-only ones included (so that setting one
    /// is reported as read-only rather than unknown).
    pub properties: BTreeMap<String, PropertySchema>,
    /// What a template can read from a deployed resource, keyed by dotted path
    /// (`Arn`, `Endpoint.Address`). A key ending in `*` (`Outputs.*`, or `*` for custom
    /// resources) stands for any name with that prefix: use [`ResourceSchema::attribute`]
    /// to look names up. For Terraform, every argument is readable too and is listed.
    pub attributes: BTreeMap<String, Ty>,
    /// The properties (dotted paths) that identify a deployed resource.
    pub primary_identifier: Vec<String>,
    /// Properties beyond `properties` are accepted with this type (custom resources).
    pub additional_properties: Option<Ty>,
    /// Dotted paths below the top level (`VpcEncryptionControl.VpcId`; `*` stands for
    /// every element of a list) that are read-only. Nested read-only fields stay in the
    /// property's record type, as optional fields, since `Ty` has no place for the flag.
    pub nested_read_only: BTreeSet<String>,
    /// Dotted paths below the top level whose change replaces the resource.
    pub nested_create_only: BTreeSet<String>,
    /// Dotted paths below the top level that are never returned on reads.
    pub nested_write_only: BTreeSet<String>,
    /// Dotted paths below the top level that the provider redacts (Terraform).
    pub nested_sensitive: BTreeSet<String>,
}

/// One top-level property of a resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertySchema {
    /// The property's type as the schema declares it (CloudFormation also accepts a
    /// string for an integer or boolean, Terraform converts scalars; that leniency is the
    /// checker's decision, not recorded here).
    pub ty: Ty,
    pub required: bool,
    /// Set by the provider; a template reads it (it is also an attribute).
    pub read_only: bool,
    /// Changing it replaces the resource (CloudFormation `createOnlyProperties`,
    /// Terraform `ForceNew`).
    pub create_only: bool,
    /// Accepted on create and update but never returned by reads.
    pub write_only: bool,
    /// Redacted by the provider in plans and logs (Terraform's `sensitive`).
    pub sensitive: bool,
    /// The provider marks it deprecated (Terraform): it still works, and will go.
    pub deprecated: bool,
}

impl ResourceSchema {
    pub fn property(&self, name: &str) -> Option<&PropertySchema> {
        self.properties.get(name)
    }

    /// The type of an attribute, `a.b` for nested ones, honouring wildcard keys.
    pub fn attribute(&self, name: &str) -> Option<&Ty> {
        if let Some(ty) = self.attributes.get(name) {
            return Some(ty);
        }
        self.attributes
            .iter()
            .filter_map(|(key, ty)| Some((key.strip_suffix('*')?, ty)))
            .filter(|(prefix, _)| name.len() > prefix.len() && name.starts_with(prefix))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, ty)| ty)
    }

    /// The properties a template must set.
    pub fn required_properties(&self) -> impl Iterator<Item = &str> {
        self.properties
            .iter()
            .filter(|(_, p)| p.required)
            .map(|(n, _)| n.as_str())
    }

    /// The properties a template may set: all but the read-only ones (for did-you-mean).
    pub fn settable_properties(&self) -> impl Iterator<Item = &str> {
        self.properties
            .iter()
            .filter(|(_, p)| !p.read_only)
            .map(|(n, _)| n.as_str())
    }

    /// Whether a secret may be set at `path` (a property, or a dotted path into one,
    /// `*` for every element of a list): at the path or around it, a place the
    /// provider redacts (Terraform's `sensitive`), or one it never returns
    /// (CloudFormation's `writeOnlyProperties`) that is named for a secret (a
    /// password, token, secret, credential or private key: write-only also covers
    /// plain settings like an SSM parameter's `Description`, which the console shows).
    /// A secret anywhere else could be read back in plain text, from the console,
    /// the API or an attribute.
    pub fn takes_secret(&self, path: &str) -> bool {
        let ends = path
            .match_indices('.')
            .map(|(i, _)| i)
            .chain(std::iter::once(path.len()));
        ends.map(|end| &path[..end])
            .any(|prefix| self.secret_place(prefix))
    }

    fn secret_place(&self, path: &str) -> bool {
        let (write_only, sensitive) = match self.properties.get(path) {
            Some(p) => (p.write_only, p.sensitive),
            None => (
                self.nested_write_only.contains(path),
                self.nested_sensitive.contains(path),
            ),
        };
        let last = path.rsplit('.').next().unwrap_or(path);
        sensitive || (write_only && named_for_a_secret(last))
    }

    /// The places [`Self::takes_secret`] accepts, for messages.
    pub fn secret_properties(&self) -> Vec<&str> {
        let settable = self
            .properties
            .iter()
            .filter(|(_, p)| !p.read_only)
            .map(|(n, _)| n.as_str());
        settable
            .chain(self.nested_write_only.iter().map(String::as_str))
            .chain(self.nested_sensitive.iter().map(String::as_str))
            .filter(|p| self.secret_place(p))
            .collect()
    }

    /// Whether changing the value at `path` (a property, or a dotted path into one)
    /// replaces the resource: the path is create-only, lies inside a create-only
    /// property, or contains a create-only path.
    pub fn replaces_on_change(&self, path: &str) -> bool {
        let top = path.split('.').next().unwrap_or(path);
        if self.properties.get(top).is_some_and(|p| p.create_only) {
            return true;
        }
        self.nested_create_only
            .iter()
            .any(|p| path_overlaps(p, path))
    }
}

/// Whether a property's name says it holds a secret (`MasterUserPassword`,
/// `AuthToken`, `SecretString`, `ClientSecret`, `PrivateKey`, `Credentials`).
fn named_for_a_secret(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "credential",
        "privatekey",
        "apikey",
    ];
    let lower = name.to_ascii_lowercase();
    WORDS.iter().any(|w| lower.contains(w))
}

/// Whether one dotted path lies inside the other (or equals it); `*` matches any segment.
fn path_overlaps(a: &str, b: &str) -> bool {
    a.split('.')
        .zip(b.split('.'))
        .all(|(x, y)| x == y || x == "*" || y == "*")
}

/// The resource types of one target.
pub struct Catalog {
    target: Target,
    source: String,
    /// Sorted by name, for binary search.
    entries: Vec<Entry>,
}

struct Entry {
    name: Cow<'static, str>,
    raw: Raw,
    schema: OnceLock<ResourceSchema>,
}

/// A type's undecoded declaration.
enum Raw {
    /// One line of an embedded JSON Lines file.
    Line(&'static str),
}

impl Catalog {
    /// The CloudFormation resource provider schemas, embedded from
    /// `stdlib/cloudformation/resources.jsonl`.
    pub fn cloudformation() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            cloudformation::catalog()
                .expect("resources.jsonl is checked by tests (cloudformation::tests)")
        })
    }

    /// The AWS provider's resource types, embedded from
    /// `stdlib/terraform/resources.jsonl`.
    pub fn terraform() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            terraform::catalog().expect("resources.jsonl is checked by tests (terraform::tests)")
        })
    }

    fn new(target: Target, source: String, mut entries: Vec<Entry>) -> Result<Catalog, String> {
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(w) = entries.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(format!("`{}` is declared twice", w[0].name));
        }
        Ok(Catalog {
            target,
            source,
            entries,
        })
    }

    pub fn target(&self) -> Target {
        self.target
    }

    /// The schema of a type, decoded on first use.
    pub fn get(&self, type_name: &str) -> Option<&ResourceSchema> {
        if self.target == Target::CloudFormation && type_name.starts_with("Custom::") {
            return self.get(cloudformation::CUSTOM_RESOURCE);
        }
        let i = self
            .entries
            .binary_search_by(|e| e.name.as_ref().cmp(type_name))
            .ok()?;
        Some(
            self.decode(i)
                .expect("the catalogs are checked by tests: every entry decodes"),
        )
    }

    fn decode(&self, i: usize) -> Result<&ResourceSchema, String> {
        let entry = &self.entries[i];
        if let Some(schema) = entry.schema.get() {
            return Ok(schema);
        }
        let decoded = match &entry.raw {
            Raw::Line(line) => serde_json::from_str(line)
                .map_err(|e| format!("`{}`: {e}", entry.name))
                .and_then(|v| encoding::resource(&v, self.target)),
        }?;
        // Another thread may have decoded it meanwhile; either copy is the same.
        Ok(entry.schema.get_or_init(|| decoded))
    }

    /// Every type name, sorted (for did-you-mean).
    pub fn type_names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_ref())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Where the declarations come from, for notes in diagnostics
    /// ("cfn-lint 1.58.0 schemas of 2026-10-20, us-east-1").
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// The target a resource type name belongs to: `aws_vpc`-style names are Terraform,
/// `AWS::EC2::VPC`-style names (`Alexa::…`, `Custom::…`) CloudFormation.
pub fn target_of(type_name: &str) -> Option<Target> {
    if type_name.contains("::") {
        Some(Target::CloudFormation)
    } else if type_name.starts_with("aws_") {
        Some(Target::Terraform)
    } else {
        None
    }
}

/// The schema of a resource type of either target.
pub fn lookup(type_name: &str) -> Option<&'static ResourceSchema> {
    match target_of(type_name)? {
        Target::CloudFormation => Catalog::cloudformation().get(type_name),
        Target::Terraform => Catalog::terraform().get(type_name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_routes_by_name() {
        assert_eq!(
            lookup("AWS::EC2::VPC").map(|s| s.target),
            Some(Target::CloudFormation)
        );
        assert_eq!(lookup("aws_vpc").map(|s| s.target), Some(Target::Terraform));
        assert_eq!(
            lookup("Alexa::ASK::Skill").map(|s| s.target),
            Some(Target::CloudFormation)
        );
        let custom =
            lookup("Custom::CertificateValidator").expect("custom resources have a schema");
        assert_eq!(custom.type_name, "AWS::CloudFormation::CustomResource");
        assert!(custom.property("ServiceToken").is_some_and(|p| p.required));
        assert_eq!(custom.additional_properties, Some(Ty::Any));
        assert_eq!(custom.attribute("Anything"), Some(&Ty::Any));
        assert!(lookup("AWS::EC2::Nope").is_none());
        assert!(lookup("aws_nope").is_none());
        assert!(lookup("random_id").is_none());
        assert!(lookup("vpc").is_none());
    }

    #[test]
    fn wildcard_attributes() {
        let stack = lookup("AWS::CloudFormation::Stack").expect("nested stacks are declared");
        assert_eq!(stack.attribute("Outputs.VpcId"), Some(&Ty::String));
        assert_eq!(stack.attribute("Outputs."), None);
        assert_eq!(stack.attribute("Foo"), None);
    }

    #[test]
    fn create_only_paths() {
        let vpc = lookup("AWS::EC2::VPC").expect("declared");
        assert!(vpc.replaces_on_change("CidrBlock"));
        assert!(!vpc.replaces_on_change("EnableDnsSupport"));
        assert!(path_overlaps("A.*.B", "A.x.B.C"));
        assert!(path_overlaps("A.B", "A"));
        assert!(!path_overlaps("A.B", "A.C"));
    }
}
