//! The registry of diagnostic codes. Each code has a kebab-case name, a one-line
//! summary, and a page `docs/errors/<CODE>.md` compiled into the binary (a code
//! without its page does not build). Codes are never reused: retire one by leaving
//! it here, unemitted, with its page saying so.
//!
//! Ranges by stage: 00xx lexing and parsing, 01xx names and imports, 02xx types,
//! 03xx specs and workspace, 04xx versions, 05xx code generation, 06xx pipelines.

use crate::diagnostics::diagnostic::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code {
    /// `E0006`
    pub id: &'static str,
    /// `unexpected-token`
    pub name: &'static str,
    /// One line, lower case, no final period.
    pub summary: &'static str,
    /// The explanation `formwork explain` prints (Markdown).
    pub page: &'static str,
}

impl Code {
    pub fn severity(self) -> Severity {
        if self.id.starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

macro_rules! codes {
    ($( $konst:ident = $id:literal, $name:literal, $summary:literal; )*) => {
        $(
            pub const $konst: Code = Code {
                id: $id,
                name: $name,
                summary: $summary,
                page: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/errors/", $id, ".md")),
            };
        )*
        /// Every registered code, in order.
        pub const ALL: &[Code] = &[$($konst),*];
    };
}

codes! {
    UNEXPECTED_CHARACTER = "E0001", "unexpected-character", "characters that start no token";
    UNTERMINATED_STRING = "E0002", "unterminated-string", "a string with no closing quote on its line";
    UNTERMINATED_BLOCK_COMMENT = "E0003", "unterminated-block-comment", "a `/*` comment with no matching `*/`";
    UNTERMINATED_INTERPOLATION = "E0004", "unterminated-interpolation", "a `${` with no matching `}` on its line";
    INVALID_ESCAPE = "E0005", "invalid-escape", "a backslash escape that means nothing";
    UNEXPECTED_TOKEN = "E0006", "unexpected-token", "a token the grammar does not allow here";
    UNEXPECTED_EOF = "E0007", "unexpected-end-of-file", "the file ends in the middle of a construct";
    NESTING_TOO_DEEP = "E0008", "nesting-too-deep", "expressions, types or steps nested too deeply";
    INVALID_UTF8 = "E0009", "invalid-utf8", "a source file that is not UTF-8";
    FILE_TOO_LARGE = "E0010", "file-too-large", "a source file over the size limit";
    NUMBER_TOO_LARGE = "E0011", "number-too-large", "a number literal that does not fit";
    UNTERMINATED_REGEX = "E0012", "unterminated-regex", "a regular expression with no closing `/`";
    INVALID_VERSION = "E0013", "invalid-version", "a version in a constraint that is not `MAJOR.MINOR`";
    TOO_MANY_ERRORS = "E0014", "too-many-errors", "more syntax errors in one file than are reported";
    DANGLING_DOC_COMMENT = "W0001", "dangling-doc-comment", "a `///` comment that documents nothing";
    UNKNOWN_NAME = "E0101", "unknown-name", "a name that is not defined";
    DUPLICATE_DEFINITION = "E0102", "duplicate-definition", "two `let`s, resources or uses with one name";
    DEPENDENCY_CYCLE = "E0103", "dependency-cycle", "definitions that depend on each other in a cycle";
    IMPORT_CYCLE = "E0104", "import-cycle", "files that import each other in a cycle";
    IMPORT_NOT_FOUND = "E0105", "import-not-found", "an import of a file the workspace does not have";
    IMPORT_OUTSIDE_WORKSPACE = "E0106", "import-outside-workspace", "an import path that leaves the workspace";
    UNKNOWN_MODULE = "E0107", "unknown-module", "a `use` of a module that does not exist";
    UNKNOWN_TYPE = "E0108", "unknown-type", "a type name that is not defined";
    UNKNOWN_INPUT = "E0109", "unknown-input", "a read of an input the template does not declare";
    UNKNOWN_FIELD = "E0110", "unknown-field", "a field a record or module does not have";
    UNKNOWN_FUNCTION = "E0111", "unknown-function", "a call of a function that does not exist";
    DUPLICATE_DECLARATION = "E0112", "duplicate-declaration", "two templates with one name and version";
    ENVIRONMENT_OUTSIDE_SERVICE = "E0113", "environment-outside-service", "`environment.outputs` read where there is no environment";
    UNKNOWN_ENVIRONMENT_TEMPLATE = "E0114", "unknown-environment-template", "a requirement on an environment template that does not exist";
    UNKNOWN_RESOURCE_TYPE = "E0115", "unknown-resource-type", "a resource type the target does not have";
    UNKNOWN_PROPERTY = "E0116", "unknown-property", "a property the resource type does not have";
    UNKNOWN_ATTRIBUTE = "E0117", "unknown-attribute", "a read of an attribute the resource type does not have";
    UNKNOWN_MODULE_ARGUMENT = "E0118", "unknown-module-argument", "an argument the module has no input for";
    UNKNOWN_ENVIRONMENT_OUTPUT = "E0119", "unknown-environment-output", "a read of an output no admitted environment version has";
    DUPLICATE_KEY = "E0120", "duplicate-key", "a field, property, argument or key given twice";
    UNKNOWN_SETTING = "E0121", "unknown-setting", "a declaration setting formwork does not know";
    RESERVED_NAME = "E0122", "reserved-name", "a definition named like a built-in scope";
    LINK_OUTSIDE_WORKSPACE = "E0123", "link-outside-workspace", "a symbolic link, or an import through one, that leads outside the workspace";
    TYPE_MISMATCH = "E0201", "type-mismatch", "a value of the wrong type";
    INVALID_DEFAULT = "E0202", "invalid-default", "a default that its input's type does not admit";
    VALUE_OUT_OF_RANGE = "E0203", "value-out-of-range", "a number outside its type's range";
    PATTERN_MISMATCH = "E0204", "pattern-mismatch", "a string that does not match its type's pattern";
    LENGTH_OUT_OF_RANGE = "E0205", "length-out-of-range", "a string or list whose length is outside its bounds";
    INVALID_REGEX = "E0206", "invalid-regex", "a `matches` pattern that is not a valid regular expression";
    EMPTY_RANGE = "E0207", "empty-range", "a range or length bound that admits nothing";
    REFINEMENT_NOT_APPLICABLE = "E0208", "refinement-not-applicable", "a refinement on a type it cannot apply to";
    WRONG_TYPE_ARGUMENTS = "E0209", "wrong-type-arguments", "a generic type with the wrong number of arguments";
    DEPLOY_TIME_CONDITION = "E0210", "deploy-time-condition", "a condition, loop or match on a value known only at deploy time";
    NOT_EXPRESSIBLE_AT_DEPLOY_TIME = "E0211", "not-expressible-at-deploy-time", "an operation the target cannot compute on a deploy-time value";
    SECRET_LEAK = "E0212", "secret-leak", "a secret flowing into plain text";
    MISSING_PROPERTY = "E0213", "missing-property", "a required resource property left out";
    READ_ONLY_PROPERTY = "E0214", "read-only-property", "a read-only resource property set";
    MISSING_MODULE_ARGUMENT = "E0215", "missing-module-argument", "a required module input left out";
    WRONG_ARGUMENT_COUNT = "E0216", "wrong-argument-count", "a function called with the wrong number of arguments";
    INVALID_OPERANDS = "E0217", "invalid-operands", "an operator applied to values it does not take";
    NOT_ITERABLE = "E0218", "not-iterable", "a `for` over something that is not a list or map";
    NOT_INDEXABLE = "E0219", "not-indexable", "an index into something that is not a list or map";
    NON_EXHAUSTIVE_MATCH = "E0220", "non-exhaustive-match", "a `match` that misses some values";
    UNREACHABLE_PATTERN = "E0221", "unreachable-pattern", "a `match` pattern that can never match";
    CONDITION_NOT_BOOL = "E0222", "condition-not-bool", "a condition that is not a `Bool`";
    TARGET_NOT_SUPPORTED = "E0223", "target-not-supported", "a target the template cannot be compiled to";
    INVALID_VERSION_SETTING = "E0224", "invalid-version-setting", "a template version that is not `MAJOR.MINOR`";
    MISSING_VERSION = "E0225", "missing-version", "a template without a version";
    VALUE_TOO_LARGE = "E0227", "value-too-large", "a computation that builds a value over formwork's size limits";
    INVALID_RESOURCE_ID = "E0228", "invalid-resource-id", "a resource's chosen `id` that its target cannot use as a name";
    POSSIBLY_NULL = "E0229", "possibly-null", "a value that may be null where a value is needed";
    INPUT_ADMITS_REJECTED_VALUE = "E0230", "input-admits-rejected-value", "an input whose type admits values a resource property it feeds rejects";
    LITERAL_PSEUDO_PARAMETER = "E0226", "literal-pseudo-parameter", "a CloudFormation `${AWS::…}` written as literal text, which is never substituted";
    UNTYPED_RESOURCE = "W0201", "untyped-resource", "a resource whose properties are not checked";
    NEVER_NULL = "W0202", "never-null", "a `??` whose left side is never null";
    DEPRECATED_ARGUMENT = "W0203", "deprecated-argument", "a resource argument its provider marks deprecated";
    RESOURCES_LEFT_OUT = "W0301", "resources-left-out", "an instance whose spec leaves an optional input unset, so resources guarded by it are not created";
    SPEC_SYNTAX = "E0301", "spec-syntax-error", "a spec file that is not valid YAML or JSON";
    SPEC_TOO_LARGE = "E0302", "spec-too-large", "a spec file over the size or value-count limit";
    SPEC_TOO_DEEP = "E0303", "spec-nesting-too-deep", "values in a spec file nested too deeply";
    ALIAS_EXPANSION_TOO_LARGE = "E0304", "alias-expansion-too-large", "YAML aliases that expand to too many values";
    DUPLICATE_SPEC_KEY = "E0305", "duplicate-spec-key", "a key given twice in one mapping of a spec file";
    SPEC_NUMBER_TOO_LARGE = "E0306", "spec-number-too-large", "a number in a spec file that does not fit";
    INVALID_SPEC_LAYOUT = "E0307", "invalid-spec-layout", "a spec file whose shape is not a Proton environment or service spec";
    INVALID_TEMPLATE_REFERENCE = "E0308", "invalid-template-reference", "a `template:` that is not `NAME@VERSION`";
    DUPLICATE_INSTANCE = "E0309", "duplicate-instance", "two service instances with one name";
    MISSING_SPEC_INPUT = "E0310", "missing-spec-input", "a required input the spec does not give";
    UNKNOWN_SPEC_INPUT = "E0311", "unknown-spec-input", "a spec value for an input the template does not declare";
    SPEC_TYPE_MISMATCH = "E0312", "spec-type-mismatch", "a spec value of the wrong type";
    SPEC_VALUE_OUT_OF_RANGE = "E0313", "spec-value-out-of-range", "a spec number outside its input's range";
    SPEC_PATTERN_MISMATCH = "E0314", "spec-pattern-mismatch", "a spec string that does not match its input's pattern";
    SPEC_VALUE_NOT_ALLOWED = "E0315", "spec-value-not-allowed", "a spec value that is not one of its input's allowed values";
    SPEC_LENGTH_OUT_OF_RANGE = "E0316", "spec-length-out-of-range", "a spec string or list whose length is outside its input's bounds";
    PLAIN_SECRET_IN_SPEC = "E0317", "plain-secret-in-spec", "a secret input written as a plain value in a spec file";
    INVALID_SECRET_REFERENCE = "E0318", "invalid-secret-reference", "a secret reference that is not `secretsmanager:` or `ssm:`";
    INVALID_WORKSPACE_CONFIG = "E0319", "invalid-workspace-config", "a mistake in `formwork.yaml`";
    SPEC_WITHOUT_TEMPLATE = "E0320", "spec-without-template", "a workspace spec that does not name its template";
    UNKNOWN_TEMPLATE = "E0321", "unknown-template", "a spec naming a template or version the workspace does not have";
    UNKNOWN_ENVIRONMENT = "E0322", "unknown-environment", "a service instance in an environment the workspace does not have";
    ENVIRONMENT_NOT_ADMITTED = "E0323", "environment-not-admitted", "a service instance in an environment its service does not require";
    STACK_NAME_COLLISION = "E0324", "stack-name-collision", "two environments or service instances that would deploy to one stack";
    SPEC_OUTSIDE_WORKSPACE = "E0325", "spec-outside-workspace", "a spec file with no `formwork.yaml` in its folder or any above it";
    INVALID_FORMWORK_SOURCE = "E0326", "invalid-formwork-source", "a `formwork:` setting that is not one source of the three forms";
    UNPINNED_FORMWORK_SOURCE = "E0327", "unpinned-formwork-source", "a `formwork:` source whose bytes could change: a rev that is not a commit, a sha256 that is not one, a URL that is not https";
    FORMWORK_PATH_OUTSIDE_WORKSPACE = "E0328", "formwork-path-outside-workspace", "a `formwork: { path: … }` that is absolute or leaves the workspace";
    MISSING_FORMWORK_SOURCE = "E0329", "missing-formwork-source", "service pipelines in a workspace whose `formwork.yaml` does not say how to install formwork";
    NO_MATCHING_VERSION = "E0401", "no-matching-version", "a version constraint that admits no known version";
    OUTPUT_MISSING_IN_VERSION = "E0402", "output-missing-in-version", "an environment output an admitted version lacks";
    OUTPUT_TYPE_CHANGED = "E0403", "output-type-changed", "an environment output whose type differs between admitted versions";
    REQUIRES_OUTSIDE_SERVICE = "E0404", "requires-outside-service", "a `requires` in an environment or module";
    BREAKING_CHANGE = "E0405", "breaking-change", "a new version that breaks specs, services or pipelines written for the old one";
    RESOURCE_REPLACED = "E0406", "resource-replaced", "a new version that would delete or replace a resource of an existing instance";
    DEFAULT_CHANGED = "W0401", "default-changed", "a new version whose input default differs from the old one's";
    SNAPSHOT_CHANGED = "E0407", "snapshot-changed", "a published version whose snapshot no longer matches the registry's index";
    INVALID_REGISTRY = "E0408", "invalid-registry", "a registry index that is wrong, or a snapshot folder it does not record";
    DEPRECATED_VERSION = "W0402", "deprecated-version", "a spec pinning a template version the registry deprecates";
    DRAFT_DIFFERS = "W0403", "draft-differs", "a draft that differs from the published version of the same number";
    NOT_EXPRESSIBLE = "E0501", "not-expressible", "a computation the chosen target and mode cannot express";
    NAME_COLLISION = "E0502", "name-collision", "two resources or outputs that would get one name in the output";
    ABSENT_RESOURCE = "E0503", "absent-resource", "a read of a resource this instance does not create";
    OUTPUT_FOLDER = "E0506", "output-folder-refused", "an output folder formwork may not replace, or cannot write";
    CLOUDFORMATION_QUOTA = "E0505", "cloudformation-quota", "a rendered template over one of CloudFormation's quotas";
    EVALUATION_FAILED = "E0504", "evaluation-failed", "a computation that fails for this instance's values";
    UNKNOWN_PIPELINE_ITEM = "E0601", "unknown-pipeline-item", "a pipeline setting or step that does not exist, or not where it is";
    INVALID_STEP = "E0602", "invalid-step", "a pipeline step or setting written wrongly";
    NOT_A_PIPELINE_VALUE = "E0603", "not-a-pipeline-value", "a pipeline reading a value only an instance or a stack has";
    DUPLICATE_STAGE = "E0604", "duplicate-stage", "two stages, waves or pipelines of one name";
    DEPLOY_NOT_ALONE = "E0605", "deploy-not-alone", "a stage that deploys and does something else";
    WAVE_MISMATCH = "E0606", "wave-mismatch", "deploy waves that do not match where the service's instances run";
    INVALID_PIPELINE_PROVIDER = "E0607", "invalid-pipeline-provider", "a pipeline provider formwork does not write";
    APPROVAL_CONDITION_NOT_BOOL = "E0608", "approval-condition-not-bool", "a pipeline step's `when` condition that is not a `Bool`";
    UNKNOWN_ARTIFACT = "E0609", "unknown-artifact", "`artifacts.NAME` naming no artifact an earlier stage hands on, or read where it cannot be";
    INVALID_DEPLOY_INPUT = "E0610", "invalid-deploy-input", "a deploy's `inputs` naming an input the service lacks, or one an artifact's text cannot fill";
}

/// Looks a code up by id (`E0006`, case-insensitive) or name (`unexpected-token`).
pub fn lookup(key: &str) -> Option<Code> {
    ALL.iter()
        .copied()
        .find(|c| c.id.eq_ignore_ascii_case(key) || c.name == key)
}
