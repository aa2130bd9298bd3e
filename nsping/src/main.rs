fn main() -> std::process::ExitCode {
    nsping::main(std::env::args_os())
}
