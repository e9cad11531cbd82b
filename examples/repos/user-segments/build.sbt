name := "user-segments"
scalaVersion := "2.13.12"
libraryDependencies += "org.apache.spark" %% "spark-sql" % "3.5.0" % "provided"
