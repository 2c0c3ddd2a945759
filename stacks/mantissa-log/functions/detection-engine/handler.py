"""Detection engine: runs each detection rule's Athena query and records what fired.

A minimal, working handler that ships with the stack; point `source` in compute.yaml at your own.
The event may carry {"rules": [{"id": ..., "query": ...}]}; without it there is nothing to run.
"""
import json
import os
import time

import boto3

athena = boto3.client("athena")
dynamodb = boto3.client("dynamodb")


def run_query(sql):
    started = athena.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": os.environ["GLUE_DATABASE"]},
        WorkGroup=os.environ["ATHENA_WORKGROUP"],
    )
    qid = started["QueryExecutionId"]
    while True:
        state = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]
        if state in ("SUCCEEDED", "FAILED", "CANCELLED"):
            return qid, state
        time.sleep(1)


def handler(event, context):
    results = []
    for rule in (event or {}).get("rules", []):
        qid, state = run_query(rule["query"])
        dynamodb.put_item(
            TableName=os.environ["DETECTION_STATE_TABLE"],
            Item={
                "rule_id": {"S": rule["id"]},
                "last_query": {"S": qid},
                "last_state": {"S": state},
                "last_run": {"N": str(int(time.time()))},
            },
        )
        results.append({"rule_id": rule["id"], "state": state})
    return {"statusCode": 200, "body": json.dumps({"rules": results})}
