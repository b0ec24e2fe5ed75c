"""Formwork's own checkov checks, loaded with --external-checks-dir by checkov_gate.py.

They exist because checkov's catalog does not gate what the stdlib claims on
CloudFormation:
  * CKV_AWS_19 (S3 server-side encryption) PASSES a bucket with no BucketEncryption
    at all (`missing_block_result = PASSED`), so it cannot catch a dropped default.
  * CKV_AWS_27 (SQS encryption) for CloudFormation looks only at KmsMasterKeyId and
    FAILS a queue with SqsManagedSseEnabled: true (its Terraform twin accepts
    sqs_managed_sse_enabled), so it cannot be gated for CloudFormation.
A value given by an intrinsic function (Ref, Fn::If, ...) cannot be judged statically
and passes.
"""
from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

SSE_ALGORITHMS = {"AES256", "aws:kms", "aws:kms:dsse"}


def _is_intrinsic(value):
    return isinstance(value, dict) and len([k for k in value if not k.startswith("__")]) == 1


class S3BucketDeclaresEncryption(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="S3 bucket declares default server-side encryption (AES256 or aws:kms)",
            id="CKV_FW_1",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["AWS::S3::Bucket"],
        )

    def scan_resource_conf(self, conf):
        props = conf.get("Properties") or {}
        enc = props.get("BucketEncryption")
        if _is_intrinsic(enc):
            return CheckResult.PASSED
        rules = (enc or {}).get("ServerSideEncryptionConfiguration") if isinstance(enc, dict) else None
        if _is_intrinsic(rules):
            return CheckResult.PASSED
        if not isinstance(rules, list) or not rules:
            return CheckResult.FAILED
        for rule in rules:
            if _is_intrinsic(rule):
                continue
            default = rule.get("ServerSideEncryptionByDefault") if isinstance(rule, dict) else None
            if _is_intrinsic(default):
                continue
            algo = default.get("SSEAlgorithm") if isinstance(default, dict) else None
            if not (_is_intrinsic(algo) or algo in SSE_ALGORITHMS):
                return CheckResult.FAILED
        return CheckResult.PASSED


class SqsQueueEncrypted(BaseResourceCheck):
    def __init__(self):
        super().__init__(
            name="SQS queue is encrypted (SqsManagedSseEnabled: true or a KmsMasterKeyId)",
            id="CKV_FW_2",
            categories=[CheckCategories.ENCRYPTION],
            supported_resources=["AWS::SQS::Queue"],
        )

    def scan_resource_conf(self, conf):
        props = conf.get("Properties") or {}
        if props.get("KmsMasterKeyId"):
            return CheckResult.PASSED
        sse = props.get("SqsManagedSseEnabled")
        if sse is True or _is_intrinsic(sse) or (isinstance(sse, str) and sse.lower() == "true"):
            return CheckResult.PASSED
        return CheckResult.FAILED


s3_bucket_declares_encryption = S3BucketDeclaresEncryption()
sqs_queue_encrypted = SqsQueueEncrypted()
