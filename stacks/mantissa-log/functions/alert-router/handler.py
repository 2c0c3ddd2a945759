"""Alert router: records an alert and publishes it to the alerts topic.

A minimal, working handler that ships with the stack; point `source` in compute.yaml at your own
(one that also posts to Slack and PagerDuty with the secrets named in its environment).
"""
import json
import os
import time
import uuid

import boto3

sns = boto3.client("sns")
dynamodb = boto3.client("dynamodb")


def handler(event, context):
    alert = event or {}
    alert_id = alert.get("id") or str(uuid.uuid4())
    dynamodb.put_item(
        TableName=os.environ["ALERT_HISTORY_TABLE"],
        Item={
            "alert_id": {"S": alert_id},
            "body": {"S": json.dumps(alert)},
            "expires_at": {"N": str(int(time.time()) + 90 * 86400)},
        },
    )
    sns.publish(
        TopicArn=os.environ["ALERTS_TOPIC_ARN"],
        Subject=str(alert.get("title", "Mantissa Log alert"))[:100],
        Message=json.dumps(alert),
    )
    return {"statusCode": 200, "body": json.dumps({"alert_id": alert_id})}
