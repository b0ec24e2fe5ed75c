//! The `formwork` binary: everything lives in the library's `cli` module.

/// The compiler allocates a node at a time (trees, strings, documents); mimalloc
/// serves that pattern faster than the system allocator (see ARCHITECTURE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    formwork::cli::main()
}
