// Cosmos DB for NoSQL, serverless, reachable only with Entra ID (keys are off). The database and
// containers are created here because the data-plane role the app holds cannot create them.
param name string
param databaseName string
@description('The containers, each { name, partitionKeyPath }: carts and orders by /customer, poison-messages by /queue (shared/partitioning.py). A container\'s partition key cannot change once created (docs/reliability.md).')
param containers array
param location string
param tags object

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  // checkov:skip=CKV_AZURE_101:Reached over its public endpoint, like the function app (no virtual network in this template); keys are off, so only the app's Entra ID identity gets in
  // checkov:skip=CKV_AZURE_99:Same reason as CKV_AZURE_101: IP rules cannot name a Flex Consumption app without a virtual network; access needs an Entra ID token with the data-plane role
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    // Session: a process reads its own writes (the app relies on it; see docs/reliability.md).
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: [
      {
        name: 'EnableServerless'
      }
    ]
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
  }
}

// The same policy as tools/provision.py's INDEXING_POLICY (a test keeps them equal): bulky
// fields no query reads are not indexed, and the composite indexes serve the ORDER BYs on two
// or three fields that Cosmos DB refuses without them.
resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [for container in containers: {
  parent: database
  name: container.name
  properties: {
    resource: {
      id: container.name
      partitionKey: {
        paths: [
          container.partitionKeyPath
        ]
        kind: 'Hash'
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          {
            path: '/*'
          }
        ]
        excludedPaths: [
          {
            path: '/"_etag"/?'
          }
          {
            path: '/items/*'
          }
          {
            path: '/outbox/message/*'
          }
          {
            path: '/bodyBase64/?'
          }
          {
            path: '/bodyText/?'
          }
        ]
        compositeIndexes: [
          [
            {
              path: '/createdAt'
              order: 'descending'
            }
            {
              path: '/id'
              order: 'descending'
            }
          ]
          [
            {
              path: '/outbox/recordedAt'
              order: 'ascending'
            }
            {
              path: '/customer'
              order: 'ascending'
            }
            {
              path: '/id'
              order: 'ascending'
            }
          ]
          [
            {
              path: '/recordedAt'
              order: 'descending'
            }
            {
              path: '/id'
              order: 'descending'
            }
          ]
        ]
      }
    }
  }
}]

output name string = account.name
output endpoint string = account.properties.documentEndpoint
