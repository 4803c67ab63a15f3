package com.ouvitel.gateway; public class Main { public static void main(String[] a){} }
