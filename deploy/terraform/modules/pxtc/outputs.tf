output "release_name" {
  description = "The Helm release."
  value       = helm_release.pxtc.name
}

output "namespace" {
  description = "The namespace pxtc runs in."
  value       = helm_release.pxtc.namespace
}

output "status" {
  description = "The release's status (deployed when the pods are ready)."
  value       = helm_release.pxtc.status
}

output "chart_version" {
  description = "The chart version installed."
  value       = helm_release.pxtc.metadata[0].version
}

output "app_version" {
  description = "The pxtc version installed."
  value       = helm_release.pxtc.metadata[0].app_version
}

output "service_name" {
  description = "The pxtc Service (port 80 by default; the chart's fullname)."
  value       = strcontains(var.release_name, "pxtc") ? var.release_name : "${var.release_name}-pxtc"
}

output "port_forward_command" {
  description = "A command that makes pxtc reachable at http://127.0.0.1:8080."
  value       = "kubectl port-forward -n ${helm_release.pxtc.namespace} svc/${strcontains(var.release_name, "pxtc") ? var.release_name : "${var.release_name}-pxtc"} 8080:80"
}

output "media_url_secret" {
  description = "The secret signing /media URLs (the given one, or the one made)."
  value       = coalesce(var.media_url_secret, random_password.media_url_secret.result)
  sensitive   = true
}
