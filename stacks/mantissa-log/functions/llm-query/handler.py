"""LLM query: turns a natural-language question into SQL for Athena.

A minimal, working handler that ships with the stack; point `source` in compute.yaml at your own.
It records the question in the query-sessions table and answers which provider would be asked.
"""
import json
import os
import time
import uuid

import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    question = (event or {}).get("question", "")
    session_id = (event or {}).get("session_id") or str(uuid.uuid4())
    dynamodb.put_item(
        TableName=os.environ["QUERY_SESSIONS_TABLE"],
        Item={
            "session_id": {"S": session_id},
            "question": {"S": question},
            "expires_at": {"N": str(int(time.time()) + 86400)},
        },
    )
    body = {"session_id": session_id, "provider": os.environ["LLM_PROVIDER"], "question": question}
    return {"statusCode": 200, "body": json.dumps(body)}
