//! `formwork outdated`: every environment and service instance of a workspace against
//! the recommended version of its template. A minor upgrade is safe (publish proved it
//! compatible); a major one needs a migration.

use crate::codegen::doc::{Node, to_json};
use crate::resolve::{Program, Version};
use crate::syntax::ast::DeclKind;
use crate::workspace::Plan;

/// How far an instance is behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Upgrade {
    /// On the recommended version, or newer.
    None,
    /// A newer minor of its major: safe.
    Minor,
    /// The recommended version is of a newer major: a migration.
    Major,
}

impl Upgrade {
    pub fn name(self) -> &'static str {
        match self {
            Upgrade::None => "-",
            Upgrade::Minor => "minor",
            Upgrade::Major => "major",
        }
    }
}

/// One environment or service instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// `environment` or `service-instance`.
    pub kind: &'static str,
    /// The environment's or the instance's name.
    pub name: String,
    /// The service, for an instance.
    pub service: Option<String>,
    pub template: String,
    pub current: Version,
    /// The newest version of the current major, when newer than the current one.
    pub latest_minor: Option<Version>,
    pub recommended: Version,
    pub upgrade: Upgrade,
    /// Why the current version is deprecated, when it is.
    pub deprecated: Option<String>,
}

/// What the registry says of a template: its recommended version and deprecations.
pub trait Catalog {
    fn recommended(&self, kind: DeclKind, name: &str) -> Option<Version>;
    fn deprecated(&self, kind: DeclKind, name: &str, version: Version) -> Option<String>;
}

impl Catalog for crate::versions::registry::Registry {
    fn recommended(&self, kind: DeclKind, name: &str) -> Option<Version> {
        crate::versions::registry::Registry::recommended(self, kind, name)
    }
    fn deprecated(&self, kind: DeclKind, name: &str, version: Version) -> Option<String> {
        crate::versions::registry::Registry::deprecated(self, kind, name, version)
    }
}

/// The registry of a workspace's source map, or [`Newest`] when it has none.
pub fn catalog(map: &crate::syntax::span::SourceMap) -> Box<dyn Catalog> {
    match crate::versions::registry::Registry::locate(map) {
        Some((r, _)) => Box::new(r),
        None => Box::new(Newest),
    }
}

/// A workspace without a registry: the newest version is recommended, none is
/// deprecated.
pub struct Newest;

impl Catalog for Newest {
    fn recommended(&self, _: DeclKind, _: &str) -> Option<Version> {
        None
    }
    fn deprecated(&self, _: DeclKind, _: &str, _: Version) -> Option<String> {
        None
    }
}

/// The versions of `name` the program has, newest last.
pub fn versions(program: &Program, kind: DeclKind, name: &str) -> Vec<Version> {
    let mut v: Vec<Version> = program
        .versions_of(kind, name)
        .iter()
        .filter_map(|(v, _)| *v)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// `web@2.1` → (`web`, 2.1).
pub fn split_template(t: &str) -> Option<(&str, Version)> {
    let (name, v) = t.split_once('@')?;
    Some((name, Version::parse(v)?))
}

/// Every environment and service instance, with where it stands.
pub fn outdated(program: &Program, plan: &Plan, catalog: &dyn Catalog) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut row =
        |kind: DeclKind, what: &'static str, name: &str, service: Option<&str>, template: &str| {
            let Some((tname, current)) = split_template(template) else {
                return;
            };
            let all = versions(program, kind, tname);
            let recommended = catalog
                .recommended(kind, tname)
                .or_else(|| all.last().copied())
                .unwrap_or(current);
            let latest_minor = all
                .iter()
                .filter(|v| v.major == current.major && **v > current)
                .max()
                .copied();
            let upgrade = if recommended.major > current.major {
                Upgrade::Major
            } else if recommended > current {
                Upgrade::Minor
            } else {
                Upgrade::None
            };
            rows.push(Row {
                kind: what,
                name: name.to_string(),
                service: service.map(str::to_string),
                template: tname.to_string(),
                current,
                latest_minor,
                recommended,
                upgrade,
                deprecated: catalog.deprecated(kind, tname, current),
            });
        };
    for env in &plan.environments {
        row(
            DeclKind::Environment,
            "environment",
            &env.name,
            None,
            &env.template,
        );
    }
    for svc in &plan.services {
        for i in &svc.instances {
            row(
                DeclKind::Service,
                "service-instance",
                &i.name,
                Some(&svc.name),
                &i.template,
            );
        }
    }
    rows
}

/// The rows as a table, for people.
pub fn table(rows: &[Row]) -> String {
    let header = [
        "INSTANCE",
        "KIND",
        "TEMPLATE",
        "CURRENT",
        "LATEST MINOR",
        "RECOMMENDED",
        "UPGRADE",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            let upgrade = match &r.deprecated {
                Some(_) => format!("{} (current deprecated)", r.upgrade.name()),
                None => r.upgrade.name().to_string(),
            };
            [
                r.name.clone(),
                r.kind.to_string(),
                r.template.clone(),
                r.current.to_string(),
                r.latest_minor.map_or("-".into(), |v| v.to_string()),
                r.recommended.to_string(),
                upgrade,
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for c in &cells {
        for (w, cell) in widths.iter_mut().zip(c) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: Vec<&str>| {
        let mut l = String::new();
        for (i, (c, w)) in cols.iter().zip(widths).enumerate() {
            if i + 1 == cols.len() {
                l.push_str(c);
            } else {
                l.push_str(&format!("{c:<w$}  "));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for c in &cells {
        line(c.iter().map(String::as_str).collect());
    }
    out
}

/// The rows as JSON.
pub fn json(rows: &[Row]) -> String {
    let items = rows
        .iter()
        .map(|r| {
            let mut m = vec![
                ("instance".to_string(), Node::str(&r.name)),
                ("kind".into(), Node::str(r.kind)),
            ];
            if let Some(s) = &r.service {
                m.push(("service".into(), Node::str(s)));
            }
            m.extend([
                ("template".into(), Node::str(&r.template)),
                ("current".into(), Node::str(r.current.to_string())),
                (
                    "latest_minor".into(),
                    r.latest_minor
                        .map_or(Node::Null, |v| Node::str(v.to_string())),
                ),
                ("recommended".into(), Node::str(r.recommended.to_string())),
                (
                    "upgrade".into(),
                    match r.upgrade {
                        Upgrade::None => Node::Null,
                        u => Node::str(u.name()),
                    },
                ),
                (
                    "deprecated".into(),
                    r.deprecated.as_ref().map_or(Node::Null, Node::str),
                ),
            ]);
            Node::Map(m)
        })
        .collect();
    to_json(&Node::Map(vec![("instances".into(), Node::List(items))]))
}
