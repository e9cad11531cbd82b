package acme.segments

import org.apache.spark.sql.SparkSession

case class Segment(user_id: Long, country: String, segment: String)

object UserSegments {
  val ProfileTable = "core.user_profile_v1"

  def main(args: Array[String]): Unit = {
    val spark = SparkSession.builder.appName("user-segments").getOrCreate()
    val segments = spark.sql(
      """SELECT user_id, country,
        |       CASE WHEN is_premium = 1 THEN 'premium' ELSE 'free' END AS segment
        |FROM core.user_profile_v1
        |WHERE dt = current_date()""".stripMargin)
    segments.write.mode("overwrite").saveAsTable("marketing.user_segments")
    spark.table(ProfileTable).select("user_id").distinct().count()
  }
}
