//! The names backends give what a template names: CloudFormation logical IDs
//! (alphanumeric, `PascalCase`) and Terraform identifiers (`snake_case`). Both are
//! derived from the template's own names only, so they are stable from run to run and
//! do not change when an unrelated resource is added.

/// `public_subnet[1]` → `PublicSubnet1`, `app.task` → `AppTask`, `lb-dns` → `LbDns`.
pub fn logical_id(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut upper = true;
    for c in path.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = c.is_ascii_digit();
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'R');
    }
    out
}

/// `public_subnet[1]` → `public_subnet_1`, `app.task` → `app_task`.
pub fn terraform_name(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        format!("r_{out}")
    } else {
        out
    }
}

/// The key of a `for` resource's element in its path: the index of a list element,
/// the key of a map entry.
pub fn element_path(base: &str, key: &str) -> String {
    format!("{base}[{key}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids() {
        assert_eq!(logical_id("vpc"), "Vpc");
        assert_eq!(logical_id("public_subnet[1]"), "PublicSubnet1");
        assert_eq!(logical_id("app.task"), "AppTask");
        assert_eq!(logical_id("lb_dns"), "LbDns");
        assert_eq!(logical_id("subnet[eu-west-1a]"), "SubnetEuWest1A");
        assert_eq!(logical_id("_"), "R");
        assert_eq!(logical_id("1x"), "R1X");
    }

    #[test]
    fn terraform_names() {
        assert_eq!(terraform_name("vpc"), "vpc");
        assert_eq!(terraform_name("public_subnet[1]"), "public_subnet_1");
        assert_eq!(terraform_name("app.task"), "app_task");
        assert_eq!(terraform_name("x[1.5]"), "x_1_5");
    }
}
