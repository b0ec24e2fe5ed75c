#!/usr/bin/env python3
"""Breaks a copy of samples/good on purpose, for selftest.sh.

usage: break_sample.py CASE TREE     (TREE: a copy of samples/good, edited in place)
       break_sample.py --list        (CASE, then the text validate.sh must print for it)

Each case is a plain text edit that must find its target exactly once, so an edit of
the good samples cannot turn a case into a silent no-op.
"""
import sys

CFN = "stack/app/template"
TF = "terraform/app"

# case: ([(file, old, new), ...], expected text in validate.sh's output)
CASES = {
    # cfn-lint: a misspelled property (E3002) in both renderings
    "cfn-bad-property": ([
        (f"{CFN}.json", '"VisibilityTimeout": 60', '"VisibilityTimout": 60'),
        (f"{CFN}.yaml", "VisibilityTimeout: 60", "VisibilityTimout: 60"),
    ], "E3002"),
    # cfn-lint: a warning is gated too (W2001 unused parameter)
    "cfn-lint-warning": ([
        (f"{CFN}.json", '"Parameters": {\n', '"Parameters": {\n    "Unused": {"Type": "String", "Default": "x"},\n'),
        (f"{CFN}.yaml", "Parameters:\n", "Parameters:\n  Unused:\n    Type: String\n    Default: x\n"),
    ], "W2001"),
    # YAML emitter bug: an unquoted `yes` is a YAML 1.1 boolean, not the string "yes"
    "yaml-yes-boolean": ([
        (f"{CFN}.yaml", 'Value: "yes"', "Value: yes"),
    ], "YAML differs from template.json at Resources.Bucket.Properties.Tags[1].Value"),
    # YAML emitter bug: an unquoted date-like string loads as a date
    "yaml-date": ([
        (f"{CFN}.yaml", 'Value: "2012-10-17"', "Value: 2012-10-17"),
    ], "YAML has date"),
    # Terraform: a tfvars value of the wrong type
    "tfvars-type-error": ([
        (f"{TF}/terraform.tfvars.json", '"visibility_timeout": 120', '"visibility_timeout": "soon"'),
    ], "a number is required"),
    # Terraform: a tfvars value that breaks a validation rule
    "tfvars-validation-rule": ([
        (f"{TF}/terraform.tfvars.json", '"env": "prod"', '"env": "staging"'),
    ], 'The env value must be'),
    # Terraform: a structural error terraform validate reports before loading providers
    "tf-structure": ([
        (f"{TF}/main.tf.json", '"output": {', '"outputs": {'),
    ], 'No argument or block type is named "outputs"'),
    # checkov gate (formwork check CKV_FW_1): a bucket without default encryption
    "s3-unencrypted": ([
        (f"{CFN}.json", '"BucketEncryption": {\n          "ServerSideEncryptionConfiguration": [\n'
                        '            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": true}\n'
                        '          ]\n        },\n', ""),
        (f"{CFN}.yaml", "      BucketEncryption:\n        ServerSideEncryptionConfiguration:\n"
                        "          - ServerSideEncryptionByDefault:\n              SSEAlgorithm: \"aws:kms\"\n"
                        "            BucketKeyEnabled: true\n", ""),
    ], "CKV_FW_1 AWS::S3::Bucket.Bucket"),
    # checkov gate (CKV_AWS_21): versioning suspended
    "s3-unversioned": ([
        (f"{CFN}.json", '"VersioningConfiguration": {"Status": "Enabled"}', '"VersioningConfiguration": {"Status": "Suspended"}'),
        (f"{CFN}.yaml", "Status: Enabled", "Status: Suspended"),
    ], "CKV_AWS_21 AWS::S3::Bucket.Bucket"),
    # checkov gate (CKV_AWS_27, Terraform): queue encryption switched off
    "tf-sqs-unencrypted": ([
        (f"{TF}/main.tf.json", '"sqs_managed_sse_enabled": true', '"sqs_managed_sse_enabled": false'),
    ], "CKV_AWS_27 aws_sqs_queue.jobs"),
}


def main(argv):
    if argv[1:] == ["--list"]:
        for name, (_, expect) in CASES.items():
            print(f"{name}\t{expect}")
        return 0
    name, tree = argv[1], argv[2]
    for rel, old, new in CASES[name][0]:
        path = f"{tree}/{rel}"
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if text.count(old) != 1:
            print(f"break_sample: {name}: {old!r} occurs {text.count(old)} times in {path}; "
                  "update break_sample.py to match samples/good", file=sys.stderr)
            return 2
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
