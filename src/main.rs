fn main() {
    std::process::exit(hrx::cli::main());
}
