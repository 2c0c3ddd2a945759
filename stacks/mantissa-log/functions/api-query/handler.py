"""API handler for queries: passes the question to the llm-query function and returns its answer.

A minimal, working handler that ships with the stack; point `source` in compute.yaml at your own.
"""
import json
import os

import boto3

lambda_client = boto3.client("lambda")


def handler(event, context):
    body = json.loads((event or {}).get("body") or "{}")
    answer = lambda_client.invoke(
        FunctionName=os.environ["LLM_QUERY_FUNCTION"],
        Payload=json.dumps({"question": body.get("question", ""), "session_id": body.get("session_id")}),
    )
    return json.loads(answer["Payload"].read())
