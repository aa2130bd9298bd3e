fn main() -> std::process::ExitCode {
    nsadd::main(std::env::args_os())
}
