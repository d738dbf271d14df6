// The Service Bus namespace and the SubmitOrder queue, configured as docs/reliability.md
// assumes. Standard tier: Basic has no duplicate detection. Local (SAS) auth is off.
param name string
param queueName string
param location string
param tags object

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: queueName
  properties: {
    // First line of defence against a message sent twice (the outbox may resend): Service Bus
    // drops a second message with the same id within the window. Can only be set at creation.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    // After 10 failed deliveries the message is dead-lettered (MaxDeliveryCountExceeded).
    maxDeliveryCount: 10
    // The host renews the lock while a function runs (maxAutoLockRenewalDuration in host.json).
    lockDuration: 'PT1M'
    requiresSession: false
    deadLetteringOnMessageExpiration: false
  }
}

output name string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
