// The host's storage (AzureWebJobsStorage: timer leases, host keys) and Flex Consumption's
// deployment container. Shared keys are off: the host reaches it with the app's identity.
param name string
param deploymentContainerName string
param location string
param tags object

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  // checkov:skip=CKV_AZURE_35:A Flex Consumption app without virtual network integration reaches its host storage over the public endpoint; shared keys are off, so only the app's identity gets in
  // checkov:skip=CKV_AZURE_206:Holds only timer leases, host keys and the deployment package, all recreated by the next deployment; locally redundant storage is enough
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

output name string = storage.name
output deploymentContainerUrl string = '${storage.properties.primaryEndpoints.blob}${deploymentContainer.name}'
