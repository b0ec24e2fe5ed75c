//! Backends: each reads an [`ir::Stack`](crate::ir::Stack) and nothing else.
//!
//! `cloudformation` (one template document, written as JSON and YAML), `terraform`
//! (`main.tf.json`, `variables.tf.json`, `terraform.tfvars.json`), and `doc`, the
//! ordered document both build and its JSON and YAML writers.

pub mod cloudformation;
pub mod codepipeline;
pub mod doc;
pub mod github_actions;
pub mod gitlab_ci;
pub mod terraform;
