//! The `formwork` binary: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    formwork::cli::main()
}
