#!/usr/bin/env python3
"""Translates template.yaml with the SAM translator (as CloudFormation's transform would)
and fails if the resulting resources depend on each other in a cycle.

cfn-lint checks dependencies in the template as written; a cycle can appear only after
the transform (an alias's UpdatePolicy names its CodeDeploy deployment group, whose alarms
may name the API that invokes the alias). CloudFormation refuses such a stack with
"Circular dependency between resources". Run with the .venv's python (SAM CLI installed).
"""
import os
import re
import sys

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform


class NoManagedPolicies:
    """Policies here are inline: no managed policy name needs resolving."""

    def load(self):
        return {}


def references(node, found):
    """Every logical id `node` refers to: Ref, Fn::GetAtt, ${...} in Fn::Sub, DependsOn."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else value.split(".")[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                found.update(name.split(".")[0] for name in re.findall(r"\$\{([^!}][^}]*)\}", text))
                if isinstance(value, list):
                    references(value[1], found)
            else:
                references(value, found)
    elif isinstance(node, list):
        for item in node:
            references(item, found)
    return found


def main():
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    with open(sys.argv[1] if len(sys.argv) > 1 else "template.yaml") as file:
        template = yaml_parse(file.read())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://bucket/key.zip"
    parameters = {"JwtIssuer": "https://issuer.example", "JwtAudience": "dossier",
                  "JwtJwksUrl": "https://issuer.example/jwks.json", "Stage": os.environ.get("STAGE", "prod")}
    resources = transform(template, parameters, NoManagedPolicies())["Resources"]
    graph = {}
    for name, resource in resources.items():
        found = references({k: v for k, v in resource.items() if k != "Type"}, set())
        depends = resource.get("DependsOn", [])
        found.update([depends] if isinstance(depends, str) else depends)
        graph[name] = sorted(found & resources.keys())

    # Depth-first search for a back edge; print the cycle it closes.
    state, path = {}, []

    def visit(node):
        state[node] = "open"
        path.append(node)
        for target in graph[node]:
            if state.get(target) == "open":
                cycle = path[path.index(target):] + [target]
                print("cycle: " + " -> ".join(cycle))
                sys.exit(1)
            if target not in state:
                visit(target)
        path.pop()
        state[node] = "done"

    sys.setrecursionlimit(10000)
    for node in graph:
        if node not in state:
            visit(node)
    print(f"{len(graph)} resources after the SAM transform, no dependency cycle")


if __name__ == "__main__":
    main()
