"""API handler for detection rules: lists the rule files under rules/ in the config bucket.

A minimal, working handler that ships with the stack; point `source` in compute.yaml at your own.
"""
import json
import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    out = s3.list_objects_v2(Bucket=os.environ["CONFIG_BUCKET"], Prefix="rules/")
    rules = [o["Key"] for o in out.get("Contents", [])]
    return {"statusCode": 200, "body": json.dumps({"rules": rules})}
