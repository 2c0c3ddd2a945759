#!/usr/bin/env python3
"""Writes the instance lists of the synthetic N-resource benchmark stack, for mantissa and Terraform.

The stack language has no count or range (for_each takes a list known at load time), so N is
the length of three lists: half of N SNS topics, 45% log groups, 5% CloudWatch alarms, each
alarm notifying the topic of the same key. mantissa reads them from the environment file,
Terraform from a tfvars file; both get the same keys, so both deploy the same resources.

    examples/bench-1000/generate.py                 the shipped 1,000 (environments/bench.yaml,
                                                    terraform/bench.auto.tfvars.json)
    examples/bench-1000/generate.py 5000 --env /tmp/e.yaml --tfvars /tmp/t.tfvars.json \\
        --endpoint http://127.0.0.1:4641 --environment bench5k
"""
import argparse
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))


def lists(n):
    if n < 20 or n % 20:
        sys.exit(f"generate.py: N must be a multiple of 20, at least 20 (got {n}): it splits 50/45/5")
    topics = [f"t{i:04d}" for i in range(n // 2)]
    groups = [f"g{i:04d}" for i in range(n * 45 // 100)]
    alarms = topics[: n // 20]
    return topics, groups, alarms


def flow(items, indent):
    """A YAML flow list wrapped at about 100 columns."""
    lines, line = [], ""
    for item in items:
        piece = item + ", "
        if len(line) + len(piece) > 96 - indent:
            lines.append(line.rstrip())
            line = ""
        line += piece
    lines.append(line.rstrip().rstrip(","))
    pad = " " * (indent + 2)
    return "[\n" + "\n".join(pad + l for l in lines) + "\n" + " " * indent + "]"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("n", nargs="?", type=int, default=1000, help="resources (a multiple of 20; default 1000)")
    p.add_argument("--env", default=os.path.join(here, "environments", "bench.yaml"), help="environment file to write")
    p.add_argument("--tfvars", default=os.path.join(here, "terraform", "bench.auto.tfvars.json"), help="tfvars file to write")
    p.add_argument("--endpoint", default="http://127.0.0.1:4566", help="the emulator's endpoint")
    p.add_argument("--environment", default="bench", help="the environment's name")
    a = p.parse_args()
    topics, groups, alarms = lists(a.n)
    env = f"""# yaml-language-server: $schema=../../../schemas/environment.schema.json
# Written by examples/bench-1000/generate.py {a.n}: {len(topics)} topics, {len(groups)} log groups,
# {len(alarms)} alarms ({a.n} resources). Run from examples/bench-1000/: mantissa validate -e bench
environment: {a.environment}
region: us-east-1
project_prefix: bench
stack: bench-1000
endpoint_url: {a.endpoint}
variables:
  topics: {flow(topics, 2)}
  log_groups: {flow(groups, 2)}
  alarms: {flow(alarms, 2)}
"""
    with open(a.env, "w") as f:
        f.write(env)
    with open(a.tfvars, "w") as f:
        json.dump(
            {
                "endpoint": a.endpoint,
                "environment": a.environment,
                "topics": topics,
                "log_groups": groups,
                "alarms": alarms,
            },
            f,
            indent=1,
        )
        f.write("\n")


main()
