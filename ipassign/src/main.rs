fn main() -> std::process::ExitCode {
    ipassign::main(std::env::args_os())
}
