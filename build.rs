//! Generates the parser from `grammar/formwork.lalrpop` into `$OUT_DIR`.

fn main() {
    println!("cargo:rerun-if-changed=grammar/formwork.lalrpop");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR for build scripts");
    lalrpop::Configuration::new()
        .set_in_dir("grammar")
        .set_out_dir(out_dir)
        .emit_rerun_directives(false)
        .process()
        .expect("grammar/formwork.lalrpop must compile");
}
