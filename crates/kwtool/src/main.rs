use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(kwtool::cli::run(
        std::env::args_os(),
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    ))
}
