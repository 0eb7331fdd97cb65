# pxtc on an existing Azure Kubernetes Service cluster. Embedded mode by default (one
# pod, its data on an Azure Disk); external mode with Azure Database for PostgreSQL
# (flexible server) and a Blob Storage container for media: set mode = "external",
# postgres_url, storage_account, media_container and the account key.

provider "azurerm" {
  features {}
  subscription_id = var.subscription_id
}

data "azurerm_kubernetes_cluster" "this" {
  name                = var.cluster_name
  resource_group_name = var.resource_group_name
}

locals {
  # clusters with Microsoft Entra ID integration expose only the admin credentials
  kube = (
    length(data.azurerm_kubernetes_cluster.this.kube_admin_config) > 0
    ? data.azurerm_kubernetes_cluster.this.kube_admin_config[0]
    : data.azurerm_kubernetes_cluster.this.kube_config[0]
  )
}

provider "helm" {
  kubernetes {
    host                   = local.kube.host
    client_certificate     = base64decode(local.kube.client_certificate)
    client_key             = base64decode(local.kube.client_key)
    cluster_ca_certificate = base64decode(local.kube.cluster_ca_certificate)
  }
}

module "pxtc" {
  source = "../../modules/pxtc"

  namespace        = var.namespace
  mode             = var.mode
  image_repository = var.image_repository
  image_tag        = var.image_tag
  storage_class    = var.storage_class
  service_type     = "LoadBalancer"

  postgres_url      = var.postgres_url
  media_input_dest  = var.media_container == null ? null : "az://${var.media_container}/input"
  media_output_dest = var.media_container == null ? null : "az://${var.media_container}/output"
  values = var.storage_account == null ? {} : {
    media = { azure = { accountName = var.storage_account } }
  }
  extra_secrets = var.storage_account_key == null ? {} : {
    "media.azure.accountKey" = var.storage_account_key
  }
  api_key = var.api_key
}
