output "namespace" {
  value = module.pxtc.namespace
}

output "service_name" {
  value = module.pxtc.service_name
}

output "port_forward_command" {
  value = module.pxtc.port_forward_command
}
