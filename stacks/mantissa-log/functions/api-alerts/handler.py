"""API handler for alerts: returns one alert by id (path parameter `id`).

A minimal, working handler that ships with the stack; point `source` in compute.yaml at your own.
"""
import json
import os

import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    alert_id = ((event or {}).get("pathParameters") or {}).get("id")
    if not alert_id:
        return {"statusCode": 400, "body": json.dumps({"error": "missing alert id"})}
    item = dynamodb.get_item(TableName=os.environ["ALERT_HISTORY_TABLE"], Key={"alert_id": {"S": alert_id}})
    if "Item" not in item:
        return {"statusCode": 404, "body": json.dumps({"error": "no such alert"})}
    return {"statusCode": 200, "body": item["Item"]["body"]["S"]}
