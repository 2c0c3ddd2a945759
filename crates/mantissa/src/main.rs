//! The `mantissa` binary: the command line of `mantissa-cli` over [`AwsCloud`], which wires the
//! commands to AWS (the provider, the S3 state backend, `init`'s bootstrap). Everything else, and
//! every exit code, is the library's.

mod aws;
#[cfg(test)]
mod reference_tests;

use aws::AwsCloud;

fn main() {
    mantissa_cli::main(&AwsCloud::default())
}
