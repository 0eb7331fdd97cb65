# Inputs of the pxtc module. The chart's own keys (deploy/helm/README.md) can be set
# through `values`; the variables below cover what most installations set.

variable "release_name" {
  description = "Helm release name; resources are named after it."
  type        = string
  default     = "pxtc"
}

variable "namespace" {
  description = "Kubernetes namespace of the release."
  type        = string
  default     = "pxtc"
}

variable "create_namespace" {
  description = "Create the namespace when it does not exist."
  type        = bool
  default     = true
}

variable "chart" {
  description = "The chart: a local path (default: this repository's deploy/helm/pxtc) or, with chart_repository, a chart name."
  type        = string
  default     = null
}

variable "chart_repository" {
  description = "A Helm repository URL the chart is installed from (null: the local chart)."
  type        = string
  default     = null
}

variable "chart_version" {
  description = "The chart version to install from chart_repository (null: the newest)."
  type        = string
  default     = null
}

variable "mode" {
  description = "embedded: one pod with PostgreSQL inside it on a ReadWriteOnce volume; external: N pods against postgres_url, media in an object store."
  type        = string
  default     = "embedded"

  validation {
    condition     = contains(["embedded", "external"], var.mode)
    error_message = "The mode must be \"embedded\" or \"external\"."
  }
}

variable "image_repository" {
  description = "Repository of the image the mode uses (the full image for embedded, the slim one for external), as pushed to your registry."
  type        = string
}

variable "image_tag" {
  description = "Image tag (null: the chart's appVersion)."
  type        = string
  default     = null
}

variable "image_pull_policy" {
  description = "imagePullPolicy of the pxtc containers."
  type        = string
  default     = "IfNotPresent"
}

variable "replicas" {
  description = "external mode: the number of pods when autoscaling is off, else the HPA's minimum."
  type        = number
  default     = 2
}

variable "max_replicas" {
  description = "external mode: the HPA's maximum; null turns autoscaling off."
  type        = number
  default     = 10
}

variable "workers" {
  description = "FastCGI worker processes per pod (SERVER_WORKERS)."
  type        = number
  default     = 4
}

variable "storage_size" {
  description = "embedded mode: size of the data volume."
  type        = string
  default     = "20Gi"
}

variable "storage_class" {
  description = "embedded mode: StorageClass of the data volume (null: the cluster's default)."
  type        = string
  default     = null
}

variable "postgres_url" {
  description = "external mode: the libpq URI of the database (kept in the chart's Secret). Leave null with postgres_existing_secret."
  type        = string
  default     = null
  sensitive   = true
}

variable "postgres_existing_secret" {
  description = "external mode: a Secret holding the database URL instead of postgres_url, and its key."
  type = object({
    name = string
    key  = string
  })
  default = null
}

variable "media_input_dest" {
  description = "Where uploads go (s3://bucket/prefix, gs://... or az://...); required in external mode."
  type        = string
  default     = null
}

variable "media_output_dest" {
  description = "Where generated media goes; required in external mode."
  type        = string
  default     = null
}

variable "media_url_secret" {
  description = "The secret signing /media URLs (null: a random one made once and kept in the Terraform state)."
  type        = string
  default     = null
  sensitive   = true
}

variable "s3" {
  description = "S3 or S3-compatible storage: endpoint (null: AWS), region and access key id (null: the pod's AWS environment)."
  type = object({
    endpoint      = optional(string)
    region        = optional(string)
    access_key_id = optional(string)
  })
  default = {}
}

variable "s3_secret_access_key" {
  description = "The S3 secret access key."
  type        = string
  default     = null
  sensitive   = true
}

variable "api_key" {
  description = "API key(s) the routes require, comma-separated (null: open routes)."
  type        = string
  default     = null
  sensitive   = true
}

variable "openai_api_key" {
  description = "Key of the OpenAI-compatible API (embeddings, chat)."
  type        = string
  default     = null
  sensitive   = true
}

variable "extra_secrets" {
  description = "More secret chart values, by chart key (e.g. \"media.azure.accountKey\")."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "service_type" {
  description = "The Service's type: ClusterIP, NodePort or LoadBalancer."
  type        = string
  default     = "ClusterIP"
}

variable "ingress_host" {
  description = "A host name to route to pxtc through an Ingress (null: no Ingress)."
  type        = string
  default     = null
}

variable "ingress_class" {
  description = "The Ingress's class (with ingress_host)."
  type        = string
  default     = null
}

variable "values" {
  description = "More chart values (any of deploy/helm/README.md's keys), applied over the ones this module sets."
  type        = any
  default     = {}
}

variable "timeout" {
  description = "Seconds Helm waits for the setup Job and the pods."
  type        = number
  default     = 600
}

variable "wait" {
  description = "Wait until the pods are ready."
  type        = bool
  default     = true
}

variable "atomic" {
  description = "Roll back a failed install or upgrade."
  type        = bool
  default     = false
}
