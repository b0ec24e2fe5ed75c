//! `formwork lsp`: the language server, over standard input and output (what an
//! editor starts; see `editors/README.md`).

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Accepted for editors that pass it; standard input and output are the only transport.
    #[arg(long)]
    stdio: bool,
}

pub fn run(_args: Args) -> u8 {
    crate::lsp::run_stdio()
}
