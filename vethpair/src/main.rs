fn main() -> std::process::ExitCode {
    vethpair::main(std::env::args_os())
}
