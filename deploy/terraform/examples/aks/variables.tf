variable "subscription_id" {
  description = "Azure subscription of the cluster."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the cluster."
  type        = string
}

variable "cluster_name" {
  description = "Name of the existing AKS cluster."
  type        = string
}

variable "namespace" {
  description = "Namespace to install pxtc into."
  type        = string
  default     = "pxtc"
}

variable "mode" {
  description = "embedded or external."
  type        = string
  default     = "embedded"
}

variable "image_repository" {
  description = "Azure Container Registry repository of the image: the full image for embedded, the slim one for external (REGISTRY/pxtc, REGISTRY being your Azure Container Registry login server)."
  type        = string
}

variable "image_tag" {
  description = "Image tag (null: the chart's appVersion)."
  type        = string
  default     = null
}

variable "storage_class" {
  description = "embedded mode: StorageClass of the data volume (null: the cluster's default, managed-csi)."
  type        = string
  default     = null
}

variable "postgres_url" {
  description = "external mode: libpq URI of the flexible server, e.g. postgresql://pxtc:PASSWORD@SERVER-HOST:5432/pxtc?sslmode=require."
  type        = string
  default     = null
  sensitive   = true
}

variable "storage_account" {
  description = "external mode: the storage account holding the media container."
  type        = string
  default     = null
}

variable "media_container" {
  description = "external mode: the Blob Storage container for media."
  type        = string
  default     = null
}

variable "storage_account_key" {
  description = "A key of the storage account."
  type        = string
  default     = null
  sensitive   = true
}

variable "api_key" {
  description = "API key(s) the routes require (null: open)."
  type        = string
  default     = null
  sensitive   = true
}
